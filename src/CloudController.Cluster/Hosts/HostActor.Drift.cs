using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Hosts;

/// <summary>
/// Reconciling: what the host runs against what its ledger holds. Drift is always named (a warning, and the host's
/// status); drift lasting <c>fleet.unknown-vm-grace</c> is acted on: a VM no record knows is destroyed through the
/// driver (with <c>fleet.unknown-vms = destroy</c>) and that is journaled with its reason.
/// </summary>
public sealed partial class HostActor
{
    /// <summary>Whether a VM record knows the VM; null when the VM region did not answer (then nothing is done).</summary>
    private sealed record UnknownVmChecked(string VmId, bool? RecordKnowsIt);

    /// <summary>The driver's answer to destroying an unknown VM: null when it is gone.</summary>
    private sealed record UnknownVmDestruction(string VmId, string Reason, string? Failure);

    private readonly HashSet<string> _unknownBeingDestroyed = [];

    private void ReceiveDriftCommands()
    {
        Command<UnknownVmChecked>(c =>
        {
            var reason = c.RecordKnowsIt is false
                ? _watch.DestructionReason(c.VmId, _settings.UnknownVms, recordKnowsIt: false, _ledger, _settings.UnknownVmGrace)
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
            PersistAndPublish(new UnknownVmDestroyed(d.VmId, d.Reason), () => { });
        });
    }

    /// <summary>No silent drift either way: what the host has and the ledger does not, or the reverse, is named.</summary>
    private void Reconcile(IReadOnlyList<string> vmIds)
    {
        var drift = HostDrift.Between(_ledger, vmIds);
        if (!drift.IsEmpty && drift.ToString() != _drift.ToString()) _log.Warning("Host {0} reconciled with drift: {1}", _hostId, drift);
        _drift = drift;
        _watch = _watch.Observe(drift, DateTimeOffset.UtcNow);
        if (_settings.UnknownVms == UnknownVmPolicy.Destroy) CheckUnknownPastGrace();
    }

    /// <summary>An unknown VM past its grace is destroyed only once its VM record is known not to exist.</summary>
    private void CheckUnknownPastGrace()
    {
        foreach (var vmId in _watch.UnknownPast(_settings.UnknownVmGrace, DateTimeOffset.UtcNow))
        {
            if (!_unknownBeingDestroyed.Add(vmId)) continue;
            _vms ??= ActorRegistry.For(Context.System).Get<ControllerRegions.Vms>();
            _vms.Ask<object>(new VmProtocol.GetVm(vmId), _settings.AskTimeout).PipeTo(Self,
                success: reply => new UnknownVmChecked(vmId, reply switch
                {
                    VmProtocol.VmNotFound => false,
                    VmProtocol.VmStatus => true,
                    _ => null,
                }),
                failure: _ => new UnknownVmChecked(vmId, null));
        }
    }

    private async Task DestroyAsync(string vmId)
    {
        await _driver.PowerOffAsync(_hostId, vmId, CancellationToken.None);
        await _driver.UnregisterVmAsync(_hostId, vmId, CancellationToken.None);
    }
}
