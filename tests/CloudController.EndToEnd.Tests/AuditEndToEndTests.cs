using System.Text.Json;
using CloudController.Api.V1;
using CloudController.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The audit trail, through ccm with access control on: who did what, refused or not, and why; never a secret.</summary>
public class AuditEndToEndTests(ITestOutputHelper output)
{
    private const string Marker = "MARKER-s3cret-7f3a";

    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, string token, params string[] args)
    {
        var console = new TestConsole().Width(400);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: name => name == "CCM_TOKEN" ? token : null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    private static List<JsonElement> Entries(string json) =>
        [.. JsonDocument.Parse(json).RootElement.GetProperty("entries").EnumerateArray()];

    [Fact]
    public async Task A_provision_a_refused_call_and_a_deletion_are_recorded_with_their_reasons_each_user_sees_their_own_and_no_secret()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.access.enabled=on");
        var adminToken = await ApiCaller.AdminTokenAsync(node);
        using var admin = new ApiCaller(node, adminToken);
        var alice = await ApiCaller.AddUserAsync(admin, "alice", Role.Provisioner);
        var bob = await ApiCaller.AddUserAsync(admin, "bob", Role.Provisioner);
        await admin.Catalog.AddModelAsync(new AddModelRequest
        {
            Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server",
            Hardware = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 512, DiskGib = 10 },
        });
        await Eventually.True(async () => (await admin.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count == 2, "both hosts");

        var provisioned = await Ccm(node, alice, "vm", "create", "--model", "ubuntu", "--hostname", "web-01",
            "--data", $"secret.db-password={Marker}", "--reason", "ticket 42", "--wait", "-o", "json");
        Assert.True(provisioned.Exit == 0, provisioned.Err);
        var vmId = (await Eventually.Get(async () => (await admin.Vms.ListVmsAsync(new ListVmsRequest())).Vms.SingleOrDefault(), "web-01 listed")).Id;

        var refused = await Ccm(node, bob, "vm", "delete", vmId, "--reason", "tidying up");
        Assert.NotEqual(0, refused.Exit);
        var deleted = await Ccm(node, alice, "vm", "delete", vmId, "--reason", "no longer needed", "--wait");
        Assert.True(deleted.Exit == 0, deleted.Err);

        var all = await Ccm(node, adminToken, "audit", "list", "-o", "json");
        Assert.Equal(0, all.Exit);
        var entries = Entries(all.Out);
        var provision = entries.Single(e => e.GetProperty("call").GetString() == "Provisioning/Provision");
        Assert.Equal("alice", provision.GetProperty("caller").GetString());
        Assert.Equal("provisioner", provision.GetProperty("role").GetString());
        Assert.Equal("accepted", provision.GetProperty("outcome").GetString());
        Assert.Equal("ticket 42", provision.GetProperty("reason").GetString());
        var ids = provision.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ToList();
        Assert.Contains("model=ubuntu", ids);
        Assert.Contains("hostname=web-01", ids);
        Assert.Contains("data[secret.db-password]", ids);

        var deletions = entries.Where(e => e.GetProperty("call").GetString() == "Vms/DeleteVm").ToList();
        Assert.Equal(2, deletions.Count);
        Assert.Equal("bob", deletions[0].GetProperty("caller").GetString());
        Assert.Equal("refused", deletions[0].GetProperty("outcome").GetString());
        Assert.Contains($"PermissionDenied: VM {vmId} is not bob's", deletions[0].GetProperty("why").GetString());
        Assert.Equal("tidying up", deletions[0].GetProperty("reason").GetString());
        Assert.Equal([$"id={vmId}"], deletions[0].GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(("alice", "accepted", "no longer needed"), (deletions[1].GetProperty("caller").GetString(),
            deletions[1].GetProperty("outcome").GetString(), deletions[1].GetProperty("reason").GetString()));
        // Reads are not recorded; the administrator's own changes are.
        Assert.DoesNotContain(entries, e => e.GetProperty("call").GetString()!.Contains("/List"));
        Assert.Contains(entries, e => e.GetProperty("call").GetString() == "Access/AddUser" && e.GetProperty("caller").GetString() == "admin");

        // alice sees her own calls only; asking for bob's gives her nothing.
        var hers = Entries((await Ccm(node, alice, "audit", "list", "-o", "json")).Out);
        Assert.Equal(["Provisioning/Provision", "Vms/DeleteVm"], hers.Select(e => e.GetProperty("call").GetString()));
        Assert.All(hers, e => Assert.Equal("alice", e.GetProperty("caller").GetString()));
        Assert.Empty(Entries((await Ccm(node, alice, "audit", "list", "--user", "bob", "-o", "json")).Out));
        // Filters, and the table and CSV an operator reads.
        var bobsDeletes = await Ccm(node, adminToken, "audit", "list", "--user", "bob", "--call", "DeleteVm", "--since", "1h", "-o", "csv");
        Assert.Equal(0, bobsDeletes.Exit);
        Assert.Equal(2, bobsDeletes.Out.Trim().Split('\n').Length);
        Assert.StartsWith("TIME,CALLER,ROLE,CALL,IDS,OUTCOME,WHY,REASON", bobsDeletes.Out);
        var table = await Ccm(node, adminToken, "audit", "list");
        Assert.Contains("tidying up", table.Out);

        foreach (var shown in new[] { all.Out, table.Out, bobsDeletes.Out, (await Ccm(node, adminToken, "audit", "list", "-o", "csv")).Out })
            Assert.DoesNotContain(Marker, shown);
    }
}
