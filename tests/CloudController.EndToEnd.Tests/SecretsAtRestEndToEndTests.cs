using System.Text;
using CloudController.Api.V1;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Secret provisioning data never sits in clear on disk: after provisioning with a secret value carrying a marker,
/// the marker is in no byte of the node's data directory (SQLite files and their write-ahead logs included) nor of a
/// PostgreSQL dump, while the guest's channel holds the clear value, before and after a restart.
/// </summary>
public class SecretsAtRestEndToEndTests(ITestOutputHelper output)
{
    private const string Marker = "SECRET-MARKER-51d3e8";

    [Fact]
    public async Task On_SQLite_the_marker_is_in_no_file_of_the_data_directory()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var vmId = await ProvisionWithSecretAsync(node);
        AssertMarkerNowhere(node.DataDir);

        await node.RestartAsync();
        await AssertGuestReceivesAsync(node, vmId);
        AssertMarkerNowhere(node.DataDir);
    }

    [Fact]
    public async Task On_PostgreSQL_the_marker_is_nowhere_in_a_dump()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var node = await RunningNode.StartOnProfileAsync(output, "postgres",
            $"cloudcontroller.database.connection-string={postgres.ConnectionString}", "akka.remote.dot-netty.tcp.port=0",
            "cloudcontroller.driver.simulated.hosts=1");
        var vmId = await ProvisionWithSecretAsync(node);
        await node.RestartAsync();
        await AssertGuestReceivesAsync(node, vmId);

        var dump = await postgres.DumpAsync();
        Assert.True(dump.AsSpan().IndexOf("VmDataChanged"u8) >= 0, "the dump holds the VMs' journal");
        // Payloads are bytea, which pg_dump writes in hex.
        Assert.True(dump.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker)) < 0, "the secret marker is in clear in the dump");
        Assert.True(dump.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Marker)))) < 0,
            "the secret marker is in the dump as hex bytes");
        AssertMarkerNowhere(node.DataDir);
    }

    private static async Task<string> ProvisionWithSecretAsync(RunningNode node)
    {
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        var request = new ProvisionRequest { Model = "ubuntu", Hostname = "vault-01" };
        request.Data.Add(new Dictionary<string, string>
        {
            ["app.mode"] = "blue", ["secret.api-key"] = Marker + "-a", ["db.password"] = Marker + "-b", ["tls.private-key"] = Marker + "-c",
        });
        var started = await node.Provisioning.ProvisionAsync(request);
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        // A change after it runs: a VmDataChanged event of its own.
        var set = new SetVmConfigRequest { Id = started.VmId };
        set.Set.Add("secret.api-key", Marker + "-d");
        await node.Vms.SetVmConfigAsync(set);
        await AssertGuestReceivesAsync(node, started.VmId, Marker + "-d");
        return started.VmId;
    }

    private static async Task AssertGuestReceivesAsync(RunningNode node, string vmId, string apiKey = Marker + "-d")
    {
        var config = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = vmId, ShowSecrets = true });
        Assert.Equal(apiKey, config.Values["secret.api-key"]);
        Assert.Equal(Marker + "-b", config.Values["db.password"]);
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = vmId });
        await Eventually.True(() => Task.FromResult(node.Fleet.Inspect(vm.HostId).VmsById[vmId].Data?.Values.GetValueOrDefault("secret.api-key") == apiKey),
            "the guest's channel holds the clear value");
    }

    private static void AssertMarkerNowhere(string directory)
    {
        var marker = Encoding.UTF8.GetBytes(Marker);
        var searched = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(marker) < 0, $"the secret marker is in clear in {file}");
            searched++;
        }
        Assert.True(searched > 0, $"nothing to search in {directory}");
    }
}
