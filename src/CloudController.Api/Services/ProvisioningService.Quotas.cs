using System.Collections.Immutable;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Quotas;
using static CloudController.Cluster.Networks.VmNetworkProtocol;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Api.Services;

/// <summary>
/// Starting a task within its owner's quota: the VM's claim is held first (the owner's quota entity decides racing
/// requests one at a time), and given back if the task cannot start; the task gives it back when it rolls back.
/// A network holds all its members' claims as one before any member is provisioned.
/// </summary>
public sealed partial class ProvisioningService
{
    private async Task<ProvisionResponse> StartWithinQuotaAsync(StartTask start, CancellationToken ct)
    {
        if (start.Vm.Owner is not { } owner) return await StartAsync(start, ct);
        return await actors.WithinQuotaAsync(
            new Reserve(owner, start.Vm.VmId, QuotaClaim.ForVm(start.Vm.Hardware)), [new Release(owner, start.Vm.VmId)], () => StartAsync(start, ct), ct);
    }

    /// <summary>
    /// Creates a network within its owner's quota: every member's claim, under its VM's id, is held in one decision
    /// (all or none), so a network that does not fit is refused before any member starts; each member's provisioning
    /// or deletion gives its own claim back, as a single VM's does.
    /// </summary>
    private async Task<NetworkStatus> CreateWithinQuotaAsync(CreateNetwork create, string? owner, CancellationToken ct)
    {
        if (owner is null) return await CreateNetworkAsync(create, ct);
        var claims = create.Members.ToImmutableDictionary(m => m.VmId, m => QuotaClaim.ForVm(m.Vm.Hardware));
        return await actors.WithinQuotaAsync(
            new ReserveAll(owner, claims), claims.Keys.Select(vmId => new Release(owner, vmId)), () => CreateNetworkAsync(create, ct), ct);
    }

    private async Task<ProvisionResponse> StartAsync(StartTask start, CancellationToken ct) =>
        await actors.Ask(actors.Tasks, start, ct) switch
        {
            ProvisioningTaskStatus => new ProvisionResponse { TaskId = start.TaskId, VmId = start.Vm.VmId },
            var other => throw RpcErrors.Unexpected(other),
        };
}
