using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

public class FlexibleMemoryEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_VM_gets_its_desired_memory_when_it_fits_else_the_most_that_fits_and_never_less_than_its_minimum()
    {
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.driver.simulated.memory-mib=16384");
        await node.AddUbuntuModelAsync(memoryMib: 4096, minimumMemoryMib: 1024);
        await node.WaitForHostsAsync(1);

        async Task<(TaskStatus End, Vm? Vm)> Provision(string hostname, long memory, long? minimum)
        {
            var request = new ProvisionRequest { Model = "ubuntu", Hostname = hostname, Overrides = new HardwareOverrides { MemoryMib = memory } };
            if (minimum is { } least) request.MinMemoryMib = least;
            var started = await node.Provisioning.ProvisionAsync(request);
            var end = (await node.WatchToEndAsync(started.TaskId))[^1];
            return (end, end.State == TaskState.Succeeded ? await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId }) : null);
        }

        var big = await Provision("big", 12288, minimum: 2048);
        Assert.Equal(12288, big.Vm!.Hardware.MemoryMib); // the desired amount fitted

        await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts[0].Free.MemoryMib == 4096, "the fleet view to see the first VM");
        var squeezed = await Provision("squeezed", 8192, minimum: 2048);
        Assert.Equal(4096, squeezed.Vm!.Hardware.MemoryMib);
        Assert.Contains(squeezed.End.History, h => h.Message.Contains("granted 4096 MiB of memory"));
        Assert.Equal("Running", VmPowerStateOf(node, squeezed.Vm));

        await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts[0].Free.MemoryMib == 0, "the fleet view to see the second VM");
        var none = await Assert.ThrowsAsync<RpcException>(async () => await Provision("none", 8192, minimum: 1024));
        Assert.Equal(StatusCode.ResourceExhausted, none.StatusCode);
        Assert.Contains("1024 MiB", none.Status.Detail);

        var badFloor = await Assert.ThrowsAsync<RpcException>(async () => await Provision("bad", 2048, minimum: 4096));
        Assert.Equal(StatusCode.InvalidArgument, badFloor.StatusCode);
    }

    private static string VmPowerStateOf(RunningNode node, Vm vm) =>
        node.Fleet.Inspect(vm.HostId).VmsById[vm.Id].PowerState.ToString();
}
