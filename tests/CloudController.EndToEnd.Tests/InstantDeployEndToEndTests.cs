using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Instant deploy: a configured VM suspended into the library, copied to like hardware and resumed.</summary>
public class InstantDeployEndToEndTests(ITestOutputHelper output)
{
    private static async Task<(RunningNode Node, InstantImage Image)> StartWithImageAsync(ITestOutputHelper output)
    {
        var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=4");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(4);
        var golden = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "golden" });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(golden.TaskId))[^1].State);
        var image = await node.Catalog.CaptureInstantImageAsync(new CaptureInstantImageRequest { Name = "web-ready", VmId = golden.VmId });
        return (node, image);
    }

    [Fact]
    public async Task Deploys_resume_copies_of_the_suspended_image_on_hosts_of_its_hardware_class()
    {
        var (node, image) = await StartWithImageAsync(output);
        await using var _ = node;
        Assert.Equal(VmPowerState.Suspended, node.Fleet.Inspect(image.SourceHostId).VmsById[image.SourceVmId].PowerState);
        await Eventually.True(async () => (await node.Catalog.ListInstantImagesAsync(new ListInstantImagesRequest())).Images.Count == 1, "the library listing");

        for (var i = 0; i < 3; i++)
        {
            var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { InstantImage = "web-ready", Hostname = $"web-{i}" });
            var end = (await node.WatchToEndAsync(started.TaskId))[^1];
            Assert.Equal(TaskState.Succeeded, end.State);
            Assert.Equal("InstantDeploy", end.Kind);
            Assert.Contains(end.History, h => h.Message == "Resuming done");
            Assert.DoesNotContain(end.History, h => h.Stage is "CloningDisk" or "PoweringOn");

            var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
            var host = (await node.Hosts.GetHostAsync(new GetHostRequest { Id = vm.HostId }));
            Assert.Equal(image.HardwareClass, host.HardwareClass);
            Assert.Equal(VmPowerState.Running, node.Fleet.Inspect(vm.HostId).VmsById[vm.Id].PowerState);
        }
        // The library's own copy stays suspended, ready for the next deploy, and nothing may delete it meanwhile.
        Assert.Equal(VmPowerState.Suspended, node.Fleet.Inspect(image.SourceHostId).VmsById[image.SourceVmId].PowerState);
        var protectedSource = await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = image.SourceVmId }));
        Assert.Equal(StatusCode.FailedPrecondition, protectedSource.StatusCode);
        Assert.Contains("ccm instant remove web-ready", protectedSource.Status.Detail);

        var removed = await node.Catalog.RemoveInstantImageAsync(new RemoveInstantImageRequest { Name = "web-ready" });
        Assert.Equal(image.SourceVmId, removed.SourceVmId);
        Assert.Equal(VmPowerState.Running, node.Fleet.Inspect(image.SourceHostId).VmsById[image.SourceVmId].PowerState);
        Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = image.SourceVmId })).State);
        var gone = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { InstantImage = "web-ready", Hostname = "late" }));
        Assert.Equal(StatusCode.InvalidArgument, gone.StatusCode);
    }

    [Fact]
    public async Task A_failed_copy_or_resume_rolls_back_to_the_fleet_as_it_was()
    {
        var (node, _) = await StartWithImageAsync(output);
        await using var __ = node;
        var before = node.Fleet.Fingerprint(includeBaseLayers: false);

        foreach (var failing in new[] { DriverOperation.CloneSuspended, DriverOperation.Resume })
        {
            node.Fleet.Faults.Inject(new SimulatedFault(failing));
            var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { InstantImage = "web-ready", Hostname = "doomed" });
            var end = (await node.WatchToEndAsync(started.TaskId))[^1];
            Assert.Equal(TaskState.Failed, end.State);
            Assert.Contains("injected", end.Error);
            Assert.Equal(before, node.Fleet.Fingerprint(includeBaseLayers: false));
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { InstantImage = "nope", Hostname = "x" }));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        var both = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { InstantImage = "web-ready", Model = "ubuntu", Hostname = "x" }));
        Assert.Equal(StatusCode.InvalidArgument, both.StatusCode);
    }
}
