using CloudController.Api.V1;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The three layouts of a clone's disk, through provisioning and deletion on the simulated fleet.</summary>
public class DiskLayoutEndToEndTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("per-host-cache", "base-ubuntu-24.04-server@{host}", 10)]
    [InlineData("shared-inner-layers", "base-ubuntu-24.04-server", 0)]
    [InlineData("full-copy", "{vm}-disk-flat", 10)]
    public async Task Each_layout_builds_its_chain_and_deleting_the_VM_leaves_only_what_is_shared(string layout, string baseLayer, long baseGibOnHost)
    {
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.simulated.hosts=1", $"cloudcontroller.provisioning.disk-layout={layout}");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        var host = node.Fleet.HostIds[0];

        var vmIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"web-{i}" });
            Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
            vmIds.Add(started.VmId);
        }

        var disks = node.Fleet.Inspect(host).Disks;
        foreach (var vmId in vmIds)
        {
            var chain = disks.Chain($"{vmId}-disk");
            Assert.Equal(2, chain.Length);
            Assert.Equal(baseLayer.Replace("{host}", host).Replace("{vm}", vmId), chain[^1].LayerId);
            Assert.Equal(baseGibOnHost, chain[^1].AllocatedGib);
        }
        // Per-host cache and shared storage give both clones one base; a full copy gives each its own.
        Assert.Equal(layout == "full-copy" ? 2 : 1, disks.Layers.Values.Count(l => l.IsBase));

        foreach (var vmId in vmIds)
        {
            var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = vmId });
            Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(deletion.TaskId))[^1].State);
        }
        var left = node.Fleet.Inspect(host).Disks.Layers.Values.ToList();
        Assert.Equal(layout == "full-copy" ? 0 : 1, left.Count);
        Assert.All(left, l => Assert.True(l.IsBase));
    }
}
