using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Quotas;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Api.Services;

/// <summary>
/// Starting a task within its owner's quota: the VM's claim is held first (the owner's quota entity decides racing
/// requests one at a time), and given back if the task cannot start; the task gives it back when it rolls back.
/// </summary>
public sealed partial class ProvisioningService
{
    private async Task<ProvisionResponse> StartWithinQuotaAsync(StartTask start, CancellationToken ct)
    {
        if (start.Vm.Owner is not { } owner) return await StartAsync(start, ct);
        var reply = await actors.Ask(actors.Quotas, new Reserve(owner, start.Vm.VmId, QuotaClaim.ForVm(start.Vm.Hardware)), ct);
        if (reply is QuotaRefused refused) throw RpcErrors.QuotaExceeded(refused.Reason);
        if (reply is not QuotaStatus) throw RpcErrors.Unexpected(reply);
        try
        {
            return await StartAsync(start, ct);
        }
        catch
        {
            actors.Quotas.Tell(new Release(owner, start.Vm.VmId), ActorRefs.NoSender);
            throw;
        }
    }

    private async Task<ProvisionResponse> StartAsync(StartTask start, CancellationToken ct) =>
        await actors.Ask(actors.Tasks, start, ct) switch
        {
            TaskReport => new ProvisionResponse { TaskId = start.TaskId, VmId = start.Vm.VmId },
            var other => throw RpcErrors.Unexpected(other),
        };
}
