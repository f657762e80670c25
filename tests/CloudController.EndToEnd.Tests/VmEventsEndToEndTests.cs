using System.Text.Json;
using CloudController.Api.V1;
using CloudController.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>`ccm vm events`, with access control on: a VM's history in order, each with who asked; only for whom may see the VM.</summary>
public class VmEventsEndToEndTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, string token, params string[] args)
    {
        var console = new TestConsole().Width(400);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: name => name == "CCM_TOKEN" ? token : null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    private static List<(string Event, string By)> Events(string json) =>
        [.. JsonDocument.Parse(json).RootElement.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("event").GetString()!, e.TryGetProperty("by", out var by) ? by.GetString()! : ""))];

    [Fact]
    public async Task A_provision_a_config_change_and_a_migration_are_listed_in_order_with_who_asked_to_whom_may_see_the_vm()
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

        var provisioned = await Ccm(node, alice, "vm", "create", "--model", "ubuntu", "--hostname", "web-01", "--wait");
        Assert.True(provisioned.Exit == 0, provisioned.Err);
        var vmId = (await Eventually.Get(async () => (await admin.Vms.ListVmsAsync(new ListVmsRequest())).Vms.SingleOrDefault(), "web-01 listed")).Id;
        var set = await Ccm(node, alice, "vm", "config", "set", vmId, "app.mode=blue", "secret.token=s3cret-value");
        Assert.True(set.Exit == 0, set.Err);
        var migrated = await Ccm(node, adminToken, "vm", "migrate", vmId, "--wait");
        Assert.True(migrated.Exit == 0, migrated.Err);

        string[] expected =
        [
            "provision requested", "host chosen", "powered on", "provision succeeded", "config generation 1",
            "migration requested", "target chosen", "moved", "migration succeeded",
        ];
        // The read models follow the journal within moments.
        var events = await Eventually.Get(async () =>
            Events((await Ccm(node, alice, "vm", "events", vmId, "-o", "json")).Out) is var e && e.Count == expected.Length ? e : null, "the whole history listed");
        Assert.Equal(expected, events.Select(e => e.Event));
        Assert.Equal(["alice", "alice", "alice", "alice", "alice", "admin", "admin", "admin", "admin"], events.Select(e => e.By));

        var table = await Ccm(node, adminToken, "vm", "events", vmId);
        Assert.Equal(0, table.Exit);
        Assert.Contains("set app.mode, secret.token", table.Out);
        Assert.DoesNotContain("s3cret-value", table.Out);
        var csv = await Ccm(node, alice, "vm", "events", vmId, "-o", "csv");
        Assert.Equal(0, csv.Exit);
        Assert.StartsWith("AT,EVENT,DETAIL,BY,TASK", csv.Out);

        var notHers = await Ccm(node, bob, "vm", "events", vmId);
        Assert.Equal(1, notHers.Exit);
        Assert.Contains($"VM {vmId} is not bob's", notHers.Err);
        var unknown = await Ccm(node, adminToken, "vm", "events", "vm-nope");
        Assert.Equal(3, unknown.Exit);
        Assert.Contains("no VM 'vm-nope'", unknown.Err);
    }
}
