using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor;
using ChildPoolProtocol = CloudController.Cluster.Pools.ChildPoolProtocol;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Hosts;

/// <summary>
/// Reconciling: what the host runs against what its ledger holds. Drift is always named (a warning, and the host's
/// status); drift lasting <c>fleet.unknown-vm-grace</c> is acted on: a VM no record knows is destroyed through the
/// driver (with <c>fleet.unknown-vms = destroy</c>) and that is journaled with its reason; a recorded VM gone from
/// the host is marked lost on its VM record (its allocation then released here) or, a pool's child, lost in its pool
/// (which replaces it, then releases it here as it removes it).
/// </summary>
public sealed partial class HostActor
{
    /// <summary>Whether a VM record knows the VM; null when the VM region did not answer (then nothing is done).</summary>
    private sealed record UnknownVmChecked(string VmId, bool? RecordKnowsIt);

    /// <summary>The driver's answer to destroying an unknown VM: null when it is gone.</summary>
    private sealed record UnknownVmDestruction(string VmId, string Reason, string? Failure);

    /// <summary>Who took a lost VM in hand.</summary>
    private enum LossOwner
    {
        /// <summary>Its VM record is marked lost: the allocation is released here.</summary>
        VmRecord,

        /// <summary>Its pool replaces it and releases it as it removes it.</summary>
        Pool,

        /// <summary>Nobody (yet): mid-task, an owner that did not answer, or none that knows it; tried again at the next check.</summary>
        None,
    }

    private sealed record LossHandled(string VmId, LossOwner Owner, string Detail);

    private readonly HashSet<string> _unknownBeingDestroyed = [];
    private readonly HashSet<string> _lostBeingMarked = [];
    private IActorRef? _pools;

    private void ReceiveDriftCommands()
    {
        Command<UnknownVmChecked>(c =>
        {
            var reason = c.RecordKnowsIt is false
                ? _ledger.Watch.DestructionReason(c.VmId, _settings.Fleet.UnknownVms, recordKnowsIt: false, _ledger, _settings.Fleet.UnknownVmGrace)
                : null;
            if (reason is null)
            {
                _unknownBeingDestroyed.Remove(c.VmId);
                return;
            }
            DestroyAsync(c.VmId).PipeTo(Self,
                success: () => new UnknownVmDestruction(c.VmId, reason, null),
                failure: ex => new UnknownVmDestruction(c.VmId, reason, ex.Message));
        });
        Command<UnknownVmDestruction>(d =>
        {
            _unknownBeingDestroyed.Remove(d.VmId);
            if (d.Failure is not null)
            {
                _log.Warning("Host {0}: destroying unknown VM {1} failed, tried again at the next check: {2}", _hostId, d.VmId, d.Failure);
                return;
            }
            _log.Warning("Host {0}: destroyed unknown VM {1}: {2}", _hostId, d.VmId, d.Reason);
            if (_ledger.RecordUnknownVmDestroyed(d.VmId, d.Reason).Event is { } destroyed) Record(destroyed, () => { });
        });
        Command<LossHandled>(h =>
        {
            _lostBeingMarked.Remove(h.VmId);
            switch (h.Owner)
            {
                case LossOwner.VmRecord:
                    _log.Warning("Host {0}: VM {1} is lost: {2}", _hostId, h.VmId, h.Detail);
                    if (_ledger.ReleaseAllocation(h.VmId).Event is { } released) Record(released, () => { });
                    break;
                case LossOwner.Pool:
                    _log.Warning("Host {0}: child {1} is lost to its pool: {2}", _hostId, h.VmId, h.Detail);
                    break;
                default:
                    _log.Debug("Host {0}: VM {1} is gone from the host but not marked lost yet: {2}", _hostId, h.VmId, h.Detail);
                    break;
            }
        });
    }

    /// <summary>No silent drift either way: what the host has and the ledger does not, or the reverse, is named.</summary>
    private void Reconcile(IReadOnlyList<string> vmIds)
    {
        var drift = HostDrift.Between(_ledger, vmIds);
        if (!drift.IsEmpty && drift.ToString() != _drift.ToString()) _log.Warning("Host {0} reconciled with drift: {1}", _hostId, drift);
        _drift = drift;
        if (_ledger.ObserveDrift(drift, DateTimeOffset.UtcNow).Event is { } observed) Record(observed, ActOnDriftPastGrace);
        else ActOnDriftPastGrace();
    }

    private void ActOnDriftPastGrace()
    {
        if (_settings.Fleet.UnknownVms == UnknownVmPolicy.Destroy) CheckUnknownPastGrace();
        MarkLostPastGrace();
    }

    /// <summary>A recorded VM gone past its grace is handed to the record or pool that owns it, which may refuse (mid-task).</summary>
    private void MarkLostPastGrace()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var vmId in _ledger.Watch.LostPast(_settings.Fleet.UnknownVmGrace, now))
        {
            if (_ledger.Watch.LossReason(vmId, _hostId, _settings.Fleet.UnknownVmGrace) is not { } reason) continue;
            if ((_vms ??= Region<ControllerActorKeys.Vms>()) is not { } vms || !_lostBeingMarked.Add(vmId)) continue;
            var pool = _ledger.AllocationGroups?.GetValueOrDefault(vmId);
            HandOverLossAsync(vmId, reason, now, vms, pool is null ? null : _pools ??= Region<ControllerActorKeys.Pools>(), pool).PipeTo(Self,
                failure: ex => new LossHandled(vmId, LossOwner.None, ex.Message));
        }
    }

    /// <summary>Its VM record first; without one, the pool of its group (a replica's group names no pool, which says so).</summary>
    private async Task<LossHandled> HandOverLossAsync(string vmId, string reason, DateTimeOffset at, IActorRef vms, IActorRef? pools, string? pool)
    {
        var timeout = _settings.Entities.AskTimeout;
        switch (await vms.Ask<object>(new VmProtocol.MarkLost(vmId, _hostId, reason, at), timeout))
        {
            case VmProtocol.VmApplied:
                return new LossHandled(vmId, LossOwner.VmRecord, reason);
            case VmProtocol.VmRefused refused:
                return new LossHandled(vmId, LossOwner.None, refused.Reason);
        }
        if (pools is null || pool is null) return new LossHandled(vmId, LossOwner.None, "no VM record or pool knows it");
        return await pools.Ask<object>(new ChildPoolProtocol.MarkChildrenLost(pool, _hostId, [vmId], reason), timeout) switch
        {
            ChildPoolProtocol.PoolStatus => new LossHandled(vmId, LossOwner.Pool, reason),
            ChildPoolProtocol.PoolRefused refused => new LossHandled(vmId, LossOwner.None, refused.Reason),
            _ => new LossHandled(vmId, LossOwner.None, $"no VM record, and no pool named {pool}"),
        };
    }

    /// <summary>An unknown VM past its grace is destroyed only once its VM record is known not to exist.</summary>
    private void CheckUnknownPastGrace()
    {
        foreach (var vmId in _ledger.Watch.UnknownPast(_settings.Fleet.UnknownVmGrace, DateTimeOffset.UtcNow))
        {
            if ((_vms ??= Region<ControllerActorKeys.Vms>()) is not { } vms || !_unknownBeingDestroyed.Add(vmId)) continue;
            vms.Ask<object>(new VmProtocol.GetVm(vmId), _settings.Entities.AskTimeout).PipeTo(Self,
                success: reply => new UnknownVmChecked(vmId, reply switch
                {
                    VmProtocol.VmNotFound => false,
                    VmProtocol.VmStatus => true,
                    _ => null,
                }),
                failure: _ => new UnknownVmChecked(vmId, null));
        }
    }

    /// <summary>A region from the registry; none where it is not started (then nothing is acted on).</summary>
    private IActorRef? Region<T>() => ActorRegistry.For(Context.System).TryGet<T>(out var region) ? region : null;

    /// <summary>
    /// Powers the VM off, unregisters it and deletes its own disk layer. The driver refuses to delete a layer another
    /// layer is built on (a fork's parent, a shared base), which then stays for those using it, as does its parent.
    /// </summary>
    private async Task DestroyAsync(string vmId)
    {
        var layerId = (await _driver.GetVmAsync(_hostId, vmId, CancellationToken.None))?.Definition.DiskLayerId;
        await _driver.PowerOffAsync(_hostId, vmId, CancellationToken.None);
        await _driver.UnregisterVmAsync(_hostId, vmId, CancellationToken.None);
        if (layerId is null) return;
        try
        {
            await _driver.DeleteDiskLayerAsync(_hostId, layerId, CancellationToken.None);
        }
        catch (HypervisorException e)
        {
            _log.Warning("Host {0}: the disk layer {1} of destroyed unknown VM {2} stays: {3}", _hostId, layerId, vmId, e.Reason);
        }
    }
}
