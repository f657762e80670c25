using CloudController.Api.V1;
using CloudController.Cli;
using Grpc.Core;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Usage metered per owner: VMs and pool children, ended when they go, kept across a restart, exported as CSV.</summary>
public class UsageEndToEndTests(ITestOutputHelper output)
{
    private static async Task<UsageReport> UsageWhenAsync(ApiCaller caller, Func<Dictionary<string, OwnerUsage>, bool> condition, string what)
    {
        UsageReport? last = null;
        try
        {
            return await Eventually.Get(async () =>
            {
                last = await caller.Usage.GetUsageAsync(new GetUsageRequest());
                return condition(last.Owners.ToDictionary(o => o.Owner)) ? last : null;
            }, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last report: {last}", e);
        }
    }

    [Fact]
    public async Task Usage_is_metered_per_owner_ended_when_a_vm_goes_kept_across_a_restart_and_exported_as_csv()
    {
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.access.enabled=on", "cloudcontroller.usage.sample-interval=200ms");
        var adminToken = await ApiCaller.AdminTokenAsync(node);
        using var admin = new ApiCaller(node, adminToken);
        using var alice = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "alice", Role.Provisioner));
        using var bob = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "bob", Role.Provisioner));
        await admin.Catalog.AddModelAsync(new AddModelRequest
        {
            Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server", Apps = { "nginx" },
            Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
        });

        var first = await alice.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "alice-01" });
        await alice.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "alice-02" });
        await bob.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "bob-01" });
        await alice.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" });
        await alice.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.1.0.0/24", Desired = 3 });

        // Two VMs and three pool children are alice's; one VM is bob's.
        var report = await UsageWhenAsync(admin, o => o.GetValueOrDefault("alice")?.VmsHeld == 5 && o.GetValueOrDefault("bob")?.VmsHeld == 1, "5 held by alice, 1 by bob");
        var hers = report.Owners.Single(o => o.Owner == "alice");
        Assert.Equal(5, hers.VmsStarted);
        Assert.Equal(new Resources { CpuCores = 5, MemoryMib = 5 * 2048, DiskGib = 5 * 20 }, hers.Held);
        Assert.True(hers.VmHours > 0 && hers.CoreHours == hers.VmHours, $"{hers.VmHours} VM-hours, {hers.CoreHours} core-hours");

        // Others see only themselves.
        Assert.Equal(["bob"], (await bob.Usage.GetUsageAsync(new GetUsageRequest())).Owners.Select(o => o.Owner));
        var notHis = await Assert.ThrowsAsync<RpcException>(() => bob.Usage.GetUsageAsync(new GetUsageRequest { Owner = "alice" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notHis.StatusCode);

        // A deleted VM stops counting; what it used stays.
        var deletion = await alice.Vms.DeleteVmAsync(new DeleteVmRequest { Id = first.VmId });
        await Eventually.True(async () => (await alice.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = deletion.TaskId })).State == TaskState.Succeeded, "the VM deleted");
        var afterDelete = (await UsageWhenAsync(admin, o => o.GetValueOrDefault("alice")?.VmsHeld == 4, "4 held by alice")).Owners.Single(o => o.Owner == "alice");
        Assert.Equal(5, afterDelete.VmsStarted);

        // The ledger outlives the node.
        await node.RestartAsync();
        using var adminAgain = new ApiCaller(node, adminToken);
        var again = (await UsageWhenAsync(adminAgain, o => o.GetValueOrDefault("alice")?.VmsHeld == 4 && o.GetValueOrDefault("bob")?.VmsHeld == 1,
            "the usage after a restart")).Owners.Single(o => o.Owner == "alice");
        Assert.Equal(5, again.VmsStarted);
        Assert.True(again.VmHours >= afterDelete.VmHours, $"{again.VmHours} VM-hours after the restart, {afterDelete.VmHours} before");

        // ccm exports it as CSV.
        var console = new TestConsole().Width(200);
        var exit = await new CcmApp(console, new StringWriter(), environment: name => name == "CCM_TOKEN" ? adminToken : null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), "usage", "report", "-o", "csv"], CancellationToken.None);
        Assert.Equal(0, exit);
        var lines = console.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("owner,from,to,vms_started,vm_hours", lines[0]);
        Assert.Equal(["alice", "bob"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.EndsWith(",4,4,8192,80", lines[1]);
    }
}
