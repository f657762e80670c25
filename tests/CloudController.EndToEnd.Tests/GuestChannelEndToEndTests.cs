using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>An agent watching its VM's data through the controller is sent each change as it is made.</summary>
public class GuestChannelEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_watcher_is_sent_the_current_data_on_connecting_and_each_change_when_it_is_made_and_the_stream_ends_with_the_vm()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        var request = new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" };
        request.Data.Add("app.mode", "blue");
        var started = await node.Provisioning.ProvisionAsync(request);
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        var token = node.Fleet.Inspect(node.Fleet.HostIds[0]).VmsById[started.VmId].Data!.Values["guest.token"];
        var channel = new GuestChannel.GuestChannelClient(Grpc.Net.Client.GrpcChannel.ForAddress(node.Node.Endpoint));

        // Well inside the minute after which a watcher reads its VM anyway: only an announced change arrives in time.
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = channel.WatchData(new WatchDataRequest { VmId = started.VmId, Token = token }, cancellationToken: within.Token);
        Assert.True(await watch.ResponseStream.MoveNext(within.Token));
        Assert.Equal(1, watch.ResponseStream.Current.Generation);

        foreach (var mode in new[] { "green", "red" })
        {
            var set = new SetVmConfigRequest { Id = started.VmId };
            set.Set.Add("app.mode", mode);
            var changed = await node.Vms.SetVmConfigAsync(set);
            Assert.True(await watch.ResponseStream.MoveNext(within.Token));
            Assert.Equal(changed.DesiredGeneration, watch.ResponseStream.Current.Generation);
            Assert.Equal(mode, watch.ResponseStream.Current.Values["app.mode"]);
        }

        var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = started.VmId });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(deletion.TaskId))[^1].State);
        Assert.False(await watch.ResponseStream.MoveNext(within.Token));
    }
}
