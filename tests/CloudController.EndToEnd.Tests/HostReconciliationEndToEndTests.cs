using CloudController.Api.V1;
using CloudController.Hypervisor;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>A host that comes back after an outage with drift: the controller acts on it once the grace has passed.</summary>
public class HostReconciliationEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_host_back_from_an_outage_destroys_the_vm_started_behind_the_controllers_back_and_marks_the_one_deleted_behind_it_lost()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.fleet.unknown-vm-grace=1s");
        await node.AddUbuntuModelAsync();
        var hostId = (await node.WaitForHostsAsync(1)).Single().Id;
        var vms = new List<string>();
        foreach (var hostname in new[] { "gone", "stays" })
        {
            var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = hostname });
            Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
            vms.Add(started.VmId);
        }
        var (gone, stays) = (vms[0], vms[1]);

        // Behind the controller's back: one recorded VM removed from the host, one no record knows started on it.
        var driver = node.Node.Driver;
        var ct = CancellationToken.None;
        await driver.PowerOffAsync(hostId, gone, ct);
        await driver.UnregisterVmAsync(hostId, gone, ct);
        await driver.EnsureBaseLayerAsync(hostId, new BaseLayerSpec("stray-base", "img", 10), ct);
        await driver.CreateDiskLayerAsync(hostId, new DiskLayerSpec("stray-disk", "stray-base", 10), ct);
        await driver.RegisterVmAsync(hostId, new VmDefinition("stray", "stray", new Domain.Resources(1, 512, 10), "stray-disk"), ct);
        await driver.PowerOnAsync(hostId, "stray", ct);

        // An outage, then the host answers again and reconciles.
        node.Fleet.Crash(hostId);
        await Eventually.True(async () => (await node.Hosts.GetHostAsync(new GetHostRequest { Id = hostId })).State == "Offline", "the host offline");
        node.Fleet.Restore(hostId);

        var lost = await Eventually.Get(async () =>
        {
            var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = gone });
            return vm.State == "Lost" ? vm : null;
        }, "the VM deleted behind the controller's back marked lost");
        Assert.Contains($"host {hostId} no longer has it", lost.LostReason);
        Assert.NotNull(lost.LostAt);
        await Eventually.True(async () => await driver.GetVmAsync(hostId, "stray", ct) is null, "the VM no record knows destroyed");
        var host = await Eventually.Get(async () =>
        {
            var h = await node.Hosts.GetHostAsync(new GetHostRequest { Id = hostId });
            return h.VmCount == 1 && h.UnknownVms.Count == 0 && h.LostVms.Count == 0 ? h : null;
        }, "the host's ledger to hold only the VM that stayed, with no drift left");
        Assert.Equal(4096, host.Allocated.MemoryMib);
        Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = stays })).State);
        Assert.Contains(node.Fleet.Inspect(hostId).Vms, v => v.VmId == stays && v.PowerState == VmPowerState.Running);

        // A lost VM is deleted like any other.
        var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = gone });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(deletion.TaskId))[^1].State);
    }
}
