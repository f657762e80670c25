using CloudController.Api.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The key pool: sets made ahead, each handed out once to an agent that verifies before it installs.</summary>
public class KeyPoolEndToEndTests(ITestOutputHelper output)
{
    /// <summary>A fresh agent's X25519 public key, as an activation agent sends it.</summary>
    internal static ByteString AgentKey() =>
        ByteString.CopyFrom(((X25519PublicKeyParameters)NewAgentKeys().Public).GetEncoded());

    private static Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair NewAgentKeys()
    {
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    private static async Task<string> TokenAsync(RunningNode node, string vm, string hostname, string ip = "10.0.0.5") =>
        (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = vm, Hostname = hostname, Ip = ip })).Token;

    private static Task WarmAsync(RunningNode node, int available) =>
        Eventually.True(async () => (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).Available >= available,
            $"{available} sets ready", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task An_agent_process_activates_once_with_its_token_and_installs_what_it_verified()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var token = await TokenAsync(node, "vm-1", "web-01");
        await WarmAsync(node, 1);
        var key = await node.KeyPool.GetControllerKeyAsync(new GetControllerKeyRequest());
        using var guest = new GuestAgentProcess();
        guest.WriteData([new("hostname", "web-01"), new("ip", "10.0.0.5"), new("activation.token", token),
            new("controller.key", Convert.ToBase64String(key.PublicKey.ToByteArray()))]);

        var (exit, log) = await guest.RunAsync("activate", "--endpoint", node.Node.Endpoint.ToString(), "--data", guest.DataFile, "--root", guest.Root);
        output.WriteLine(log);
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(guest.Root, "etc/ssh/ssh_host_rsa_key")));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(guest.Root, "etc/pki/tls/certs/vm.crt")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(guest.Root, "etc/pki/tls/private/vm.key")));

        // The same token again, by the same program: refused, nothing handed out twice.
        var (again, againLog) = await guest.RunAsync("activate", "--endpoint", node.Node.Endpoint.ToString(), "--data", guest.DataFile, "--root", guest.Root);
        Assert.Equal(3, again);
        Assert.Contains("already used", againLog);

        // Private keys are in the journal only sealed: the installed key's bytes appear nowhere in the database.
        var installed = File.ReadAllText(Path.Combine(guest.Root, "etc/ssh/ssh_host_rsa_key"));
        var der = Convert.FromBase64String(string.Concat(installed.Split('\n').Where(l => !l.StartsWith("-----"))));
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(node.DataDir, "*.db*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(der.AsSpan(der.Length - 64, 32)) < 0, $"{file} holds the private key in clear");
            Assert.DoesNotContain(token, System.Text.Encoding.UTF8.GetString(bytes));
        }
    }

    [Fact]
    public async Task A_bundle_that_fails_verification_is_not_installed_and_the_failure_is_reported()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var token = await TokenAsync(node, "vm-1", "web-01");
        await WarmAsync(node, 1);
        using var guest = new GuestAgentProcess();
        // The VM was given another controller's key: whatever answers, it is not the controller this VM trusts.
        var impostor = CloudController.FirstBoot.ControllerAuthority.Create("impostor").PublicKey;
        guest.WriteData([new("hostname", "web-01"), new("ip", "10.0.0.5"), new("activation.token", token), new("controller.key", Convert.ToBase64String(impostor))]);

        var (exit, log) = await guest.RunAsync("activate", "--endpoint", node.Node.Endpoint.ToString(), "--data", guest.DataFile, "--root", guest.Root);

        Assert.Equal(4, exit);
        Assert.Contains("signature does not verify", log);
        Assert.False(Directory.Exists(Path.Combine(guest.Root, "etc")));
        var status = await Eventually.Get(async () =>
        {
            var s = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
            return s.FailuresReported == 1 ? s : null;
        }, "the failure reported");
        Assert.Contains("web-01", status.LastFailure);
    }

    [Fact]
    public async Task A_spent_sets_sealed_material_leaves_the_database_once_the_pool_trims()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1",
            "cloudcontroller.key-pool.high-water=6", "cloudcontroller.key-pool.trim-every=2");
        var tokens = new List<string>();
        for (var i = 0; i < 4; i++) tokens.Add(await TokenAsync(node, $"vm-{i}", $"web-{i}"));
        await WarmAsync(node, 6);
        var stored = await StoredSetsAsync(node.DataDir);

        var spent = new List<Guid>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var response = await node.Activation.ActivateAsync(new ActivateRequest { Token = tokens[i], Hostname = $"web-{i}", Ip = "10.0.0.5", AgentPublicKey = AgentKey() });
            spent.Add(CloudController.FirstBoot.ActivationBundle.FromBytes(response.Bundle.ToByteArray()).SetId);
        }
        var unspent = stored.Keys.Except(spent).ToList();
        Assert.NotEmpty(unspent);

        // The trim waits for a pause in hand-outs; then no row, journal or snapshot, holds a spent set's material.
        await Eventually.True(async () =>
        {
            var payloads = await PayloadsAsync(node.DataDir);
            return spent.All(id => !payloads.Any(p => p.Contains(stored[id]))) && unspent.All(id => payloads.Any(p => p.Contains(stored[id])));
        }, "spent sets trimmed, unspent ones kept", TimeSpan.FromSeconds(15));

        // Nor any free page or log: deletions overwrite, and a stopped node leaves its log folded in.
        await node.StopNodeAsync();
        SqliteConnection.ClearAllPools();
        var files = string.Concat(Directory.GetFiles(node.DataDir, "*.db*").Select(f => System.Text.Encoding.Latin1.GetString(BytesIfStill(f))));
        Assert.All(spent, id => Assert.DoesNotContain(stored[id][..40], files));
        Assert.Contains(unspent, id => files.Contains(stored[id][..40]));
    }

    /// <summary>A file's bytes; none when it went between the listing and the read (SQLite removes its -shm file on the last close).</summary>
    private static byte[] BytesIfStill(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    /// <summary>Every set the pool journaled: its id and its sealed material as the journal holds it (base64).</summary>
    private static async Task<Dictionary<Guid, string>> StoredSetsAsync(string dataDir)
    {
        var sets = new Dictionary<Guid, string>();
        foreach (var payload in await PayloadsAsync(dataDir))
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(payload)?["sets"] is not System.Text.Json.Nodes.JsonArray array) continue;
            foreach (var set in array) sets[Guid.Parse(set!["setId"]!.GetValue<string>())] = set["sealed"]!.GetValue<string>();
        }
        return sets;
    }

    private static async Task<List<string>> PayloadsAsync(string dataDir)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cloudcontroller.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CAST(message AS TEXT) FROM journal WHERE persistence_id LIKE 'key-pool-%' UNION ALL SELECT CAST(snapshot AS TEXT) FROM snapshot WHERE persistence_id LIKE 'key-pool-%'";
        var payloads = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) payloads.Add(reader.GetString(0));
        return payloads;
    }

    [Fact]
    public async Task Concurrent_activations_each_get_their_own_set_and_one_token_works_once_however_often_it_is_sent()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.key-pool.high-water=8");
        var tokens = new List<string>();
        for (var i = 0; i < 6; i++) tokens.Add(await TokenAsync(node, $"vm-{i}", $"web-{i}"));
        await WarmAsync(node, 7);

        var distinct = await Task.WhenAll(tokens.Select((t, i) => node.Activation.ActivateAsync(new ActivateRequest
        {
            Token = t, Hostname = $"web-{i}", Ip = "10.0.0.5", AgentPublicKey = AgentKey(),
        }).ResponseAsync));
        var setIds = distinct.Select(r => CloudController.FirstBoot.ActivationBundle.FromBytes(r.Bundle.ToByteArray()).SetId).ToList();
        Assert.Equal(6, setIds.Distinct().Count());

        var last = await TokenAsync(node, "vm-x", "web-x");
        var racing = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                await node.Activation.ActivateAsync(new ActivateRequest { Token = last, Hostname = "web-x", Ip = "10.0.0.5", AgentPublicKey = AgentKey() });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return false;
            }
        }));
        Assert.Equal(1, racing.Count(ok => ok));

        await node.RestartAsync();
        var replay = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Activation.ActivateAsync(new ActivateRequest { Token = tokens[0], Hostname = "web-0", Ip = "10.0.0.5", AgentPublicKey = AgentKey() }));
        Assert.Contains("already used", replay.Status.Detail);
        var status = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        Assert.Equal(7, status.HandedOutTotal);
    }

    [Fact]
    public async Task A_vms_token_stops_working_when_it_is_given_a_new_one_and_when_the_vm_is_deleted()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.key-pool.fill-on-start=off");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-0" });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        async Task<string> RefusalAsync(string token) => (await Assert.ThrowsAsync<RpcException>(async () => await node.Activation.ActivateAsync(
            new ActivateRequest { Token = token, Hostname = "web-0", Ip = "", AgentPublicKey = AgentKey() }))).Status.Detail;

        var first = await TokenAsync(node, started.VmId, "", "");
        var second = await TokenAsync(node, started.VmId, "", "");
        Assert.Contains("revoked", await RefusalAsync(first));

        var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = started.VmId });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(deletion.TaskId))[^1].State);
        await Eventually.True(async () => (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).TokensOutstanding == 0, "the token revoked");
        Assert.Contains("revoked", await RefusalAsync(second));
    }

    [Fact]
    public async Task Pool_children_carry_a_token_and_the_controller_key_and_announce_their_demand()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" });
        await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.0.0.0/24", Desired = 3 });
        await Eventually.True(async () => (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready == 3, "3 children");

        var child = node.Fleet.Inspect(node.Fleet.HostIds[0]).Vms.First(v => v.ForkedFrom is not null);
        var key = await node.KeyPool.GetControllerKeyAsync(new GetControllerKeyRequest());
        Assert.Equal(Convert.ToBase64String(key.PublicKey.ToByteArray()), child.Data!.Values["controller.key"]);
        await WarmAsync(node, 1);
        var bundle = await node.Activation.ActivateAsync(new ActivateRequest
        {
            Token = child.Data.Values["activation.token"], Hostname = child.Data.Values["hostname"], Ip = child.Data.Values["ip"], AgentPublicKey = AgentKey(),
        });
        Assert.NotEmpty(bundle.Bundle);
        Assert.True((await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).TokensOutstanding >= 2);
    }
}
