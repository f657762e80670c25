using CloudController.Api.Errors;
using CloudController.Api.V1;

using Grpc.Core;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Api.Services;

/// <summary>Guest agents' channel to the controller: their own VM's data, as it changes, and their acknowledgements.</summary>
public sealed class GuestChannelService(ControllerActors actors, Cluster.Vms.GuestChannel channel, Cluster.Vms.GuestDataWatchers watchers)
    : V1.GuestChannel.GuestChannelBase
{
    /// <summary>
    /// Changes are announced at most once: should an announcement be lost (its node died between writing the change and
    /// announcing it), a watcher still reads its VM this often.
    /// </summary>
    private static readonly TimeSpan ReadAtLeastEvery = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Sends the data now if newer than the agent has, then each newer generation as its VM's entity announces it; a
    /// reconnecting agent says what it has, so it misses nothing however often it reconnects or the entity moves.
    /// </summary>
    public override async Task WatchData(WatchDataRequest request, IServerStreamWriter<GuestDataUpdate> responseStream, ServerCallContext context)
    {
        var vmId = Admit(request.VmId, request.Token);
        using var watch = watchers.Start(vmId);
        var sent = request.AfterGeneration;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var reply = await actors.Ask(actors.Vms, new GetVm(vmId), context.CancellationToken);
            if (reply is not VmStatus { Record: var vm }) return; // the VM is gone: nothing more will come
            var data = channel.For(vm);
            if (data.Generation > sent)
            {
                var update = new GuestDataUpdate { Generation = data.Generation };
                update.Values.Add(data.Values);
                await responseStream.WriteAsync(update, context.CancellationToken);
                sent = data.Generation;
            }
            await watch.ChangedAsync(ReadAtLeastEvery, context.CancellationToken);
        }
    }

    public override async Task<AcknowledgeDataResponse> AcknowledgeData(AcknowledgeDataRequest request, ServerCallContext context)
    {
        var vmId = Admit(request.VmId, request.Token);
        var failed = request.FailedKeys.ToDictionary(f => Domain.Validation.HostnameRules.Printable(f.Key, 128), f => Domain.Validation.HostnameRules.Printable(f.Value, 500));
        return await actors.Ask(actors.Vms, new AcknowledgeData(vmId, request.Generation, failed), context.CancellationToken) switch
        {
            VmApplied => new AcknowledgeDataResponse(),
            VmRefused r => throw RpcErrors.InvalidArgument("generation", r.Reason, "acknowledge a generation the agent received"),
            VmNotFound => throw RpcErrors.NotFound($"no VM '{vmId}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    /// <summary>Only the VM's own agent gets in: its id and the token derived from it, compared in constant time.</summary>
    private string Admit(string? rawVmId, string? token)
    {
        var vmId = RequestGuard.Id(rawVmId, "vmId", "send the VM id from the provisioning data");
        if (!channel.Admits(vmId, token ?? "")) throw new RpcException(new Status(StatusCode.PermissionDenied, "the channel token is not this VM's"));
        return vmId;
    }
}
