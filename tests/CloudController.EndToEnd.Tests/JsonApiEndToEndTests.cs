using System.Diagnostics;
using System.Text.Json;
using CloudController.Api.V1;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The HTTP/JSON face of the API, driven with curl as a script would: the same access check, the same
/// errors (a google.rpc.Status body), and the OpenAPI document of every route.</summary>
public sealed class JsonApiEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Reply(int Status, JsonElement Body);

    /// <summary>curl with the token in a header file (never on the command line), as the README shows.</summary>
    private async Task<Reply> Curl(string method, string url, string? token = null, string? json = null, bool http2 = false)
    {
        var arguments = new List<string> { "-sS", "-X", method, "-w", "\n%{http_code}", url };
        if (http2) arguments.Add("--http2-prior-knowledge");
        if (token is not null)
        {
            var header = Path.Combine(_dir, $"auth-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(header, $"Authorization: Bearer {token}\n");
            arguments.AddRange(["-H", "@" + header]);
        }
        if (json is not null) arguments.AddRange(["-H", "content-type: application/json", "--data-binary", json]);
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var curl = Process.Start(start)!;
        var text = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.True(curl.ExitCode == 0, $"curl {string.Join(' ', arguments)} failed: {await curl.StandardError.ReadToEndAsync()}");
        var newline = text.LastIndexOf('\n');
        output.WriteLine($"{method} {url} -> {text[(newline + 1)..]} {text[..newline]}");
        return new Reply(int.Parse(text[(newline + 1)..]), JsonDocument.Parse(text[..newline]).RootElement.Clone());
    }

    [Fact]
    public async Task Scripts_provision_and_poll_over_http_with_json_behind_the_same_access_check_and_errors()
    {
        var http = $"http://127.0.0.1:{FreePort.Next()}";
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.access.enabled=on",
            $"cloudcontroller.http.endpoint={http}");
        var adminToken = await ApiCaller.AdminTokenAsync(node);
        using var admin = new ApiCaller(node, adminToken);
        var viewerToken = await ApiCaller.AddUserAsync(admin, "val", Role.Viewer);

        // No token: refused before anything runs, as over gRPC.
        var anonymous = await Curl("GET", $"{http}/v1/hosts");
        Assert.Equal(401, anonymous.Status);
        Assert.Equal(16, anonymous.Body.GetProperty("code").GetInt32());
        Assert.Contains("API token", anonymous.Body.GetProperty("message").GetString());

        var model = """{"name":"ubuntu","os":"ubuntu-24.04","hardware":{"cpuCores":2,"memoryMib":4096,"diskGib":40},"minimum":{"cpuCores":1,"memoryMib":1024,"diskGib":10},"diskImage":"ubuntu-24.04-server"}""";
        Assert.Equal(200, (await Curl("POST", $"{http}/v1/models", adminToken, model)).Status);
        await Eventually.True(async () => (await Curl("GET", $"{http}/v1/hosts", adminToken)).Body.GetProperty("hosts").GetArrayLength() == 2, "two hosts");

        // A provision, then a plain status poll: no stream needed.
        var provisioned = await Curl("POST", $"{http}/v1/vms", adminToken, """{"model":"ubuntu","hostname":"web-01","data":{"app.tier":"front"}}""");
        Assert.Equal(200, provisioned.Status);
        var taskId = provisioned.Body.GetProperty("taskId").GetString()!;
        var done = await Eventually.Get(async () =>
        {
            var task = await Curl("GET", $"{http}/v1/tasks/{taskId}", adminToken);
            return task.Body.GetProperty("state").GetString() == "TASK_STATE_SUCCEEDED" ? task : null;
        }, "the task to succeed", every: TimeSpan.FromMilliseconds(200));
        var vmId = done.Body.GetProperty("vmId").GetString();
        Assert.Equal("web-01", (await Curl("GET", $"{http}/v1/vms/{vmId}", adminToken)).Body.GetProperty("hostname").GetString());

        // A request the validator refuses: 400 with every field at fault in a google.rpc.BadRequest.
        var invalid = await Curl("POST", $"{http}/v1/vms", adminToken, """{"model":"ubuntu","hostname":"Web 02","overrides":{"memoryMib":512}}""");
        Assert.Equal(400, invalid.Status);
        Assert.Equal(3, invalid.Body.GetProperty("code").GetInt32());
        var violations = invalid.Body.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", violations.GetProperty("@type").GetString());
        Assert.Equal(["hostname", "overrides.memory_mib"], violations.GetProperty("fieldViolations").EnumerateArray().Select(v => v.GetProperty("field").GetString()).Order());

        // A caller without the role: 403 naming it, and nothing made.
        var denied = await Curl("POST", $"{http}/v1/vms", viewerToken, """{"model":"ubuntu","hostname":"web-03"}""");
        Assert.Equal(403, denied.Status);
        Assert.Contains("needs the provisioner role; val is viewer", denied.Body.GetProperty("message").GetString());
        // The list is a read model: wait for it to show the VM made above, then nothing more.
        await Eventually.True(async () => (await Curl("GET", $"{http}/v1/vms", adminToken)).Body.GetProperty("vms").EnumerateArray()
            .Any(v => v.GetProperty("id").GetString() == vmId), "the VM listed");
        Assert.Single((await Curl("GET", $"{http}/v1/vms", adminToken)).Body.GetProperty("vms").EnumerateArray());

        // HTTP/2 clients need no second port: the gRPC endpoint serves the same routes.
        Assert.Equal(200, (await Curl("GET", $"{node.Node.Endpoint}v1/vms/{vmId}", adminToken, http2: true)).Status);
    }

    /// <summary>A call added later without a route would be missing from the HTTP/JSON API without anyone noticing.</summary>
    [Fact]
    public void Every_call_of_every_service_has_an_http_route()
    {
        var services = typeof(Vm).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Vm).Namespace && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => (Google.Protobuf.Reflection.FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .SelectMany(file => file.Services)
            .ToList();
        Assert.Contains(services, s => s.Name == "Vms");
        var unrouted = services.SelectMany(s => s.Methods)
            .Where(m => m.GetOptions()?.GetExtension(Google.Api.AnnotationsExtensions.Http) is null)
            .Select(m => m.FullName)
            .ToList();
        Assert.True(unrouted.Count == 0, $"no google.api.http route: {string.Join(", ", unrouted)}");
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route()
    {
        var http = $"http://127.0.0.1:{FreePort.Next()}";
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1", $"cloudcontroller.http.endpoint={http}");
        var document = (await Curl("GET", $"{http}/openapi.json")).Body;
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        foreach (var (path, verb) in new[] { ("/v1/vms", "get"), ("/v1/vms", "post"), ("/v1/tasks/{taskId}", "get"), ("/v1/pools/{name}:scale", "post"),
                     ("/v1/vms/{id}/config", "patch"), ("/v1/hosts/{id}:evacuate", "post"), ("/v1/usage", "get") })
        {
            Assert.True(paths.TryGetProperty(path, out var operations) && operations.TryGetProperty(verb, out _), $"{verb} {path} is not in the document");
        }
    }
}
