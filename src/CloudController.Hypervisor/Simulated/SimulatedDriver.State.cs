using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>How every simulated call runs (latency, faults) and changes a host's state under the rules a hypervisor keeps.</summary>
public sealed partial class SimulatedDriver
{
    /// <summary>Counts the call, waits its latency, then fails if the host is down or an injected fault matches.</summary>
    private async Task Prelude(DriverOperation operation, string hostId, string? vmId, CancellationToken ct)
    {
        Fleet.Count(operation);
        if (Fleet.Options.Latency.TryGetValue(operation, out var latency) && latency > TimeSpan.Zero)
            await Task.Delay(latency, ct);
        ct.ThrowIfCancellationRequested();
        if (Fleet.Inspect(hostId).Down) throw new HypervisorException(operation, hostId, "host does not answer");
        switch (Fleet.Faults.Take(operation, hostId, vmId)?.Kind)
        {
            case SimulatedFaultKind.Fail:
                throw new HypervisorException(operation, hostId, "injected fault");
            case SimulatedFaultKind.HangUntilCancelled:
                await Task.Delay(Timeout.Infinite, ct);
                break;
        }
    }

    private async Task ChangeDisks(DriverOperation operation, string hostId, string? vmId, CancellationToken ct, Func<DiskLayerStore, DiskChange> change)
    {
        await Prelude(operation, hostId, vmId, ct);
        Change(operation, hostId, state =>
        {
            var result = change(state.Disks);
            if (result.Refusal is { } reason) throw Refuse(operation, hostId, reason);
            var next = state with { Disks = result.Store };
            if (next.Free.DiskGib < 0)
                throw Refuse(operation, hostId, $"not enough disk: {state.Free.DiskGib} GiB free, needs {next.Disks.AllocatedGib - state.Disks.AllocatedGib}");
            return next;
        });
    }

    private async Task ChangeVm(
        DriverOperation operation, string hostId, string vmId, CancellationToken ct, Func<SimulatedHostState, SimulatedVm, SimulatedVm> change)
    {
        await Prelude(operation, hostId, vmId, ct);
        Change(operation, hostId, state =>
        {
            if (!state.VmsById.TryGetValue(vmId, out var vm)) throw Refuse(operation, hostId, $"no VM {vmId} on this host");
            return state with { VmsById = state.VmsById.SetItem(vmId, change(state, vm)) };
        });
    }

    private async Task ChangeVmAndHost(
        DriverOperation operation, string hostId, string vmId, CancellationToken ct, Func<SimulatedHostState, SimulatedVm, SimulatedHostState> change)
    {
        await Prelude(operation, hostId, vmId, ct);
        Change(operation, hostId, state =>
            state.VmsById.TryGetValue(vmId, out var vm) ? change(state, vm) : throw Refuse(operation, hostId, $"no VM {vmId} on this host"));
    }

    /// <summary>Drops a VM and the layers only it used, down to (not including) its base.</summary>
    private static SimulatedHostState RemoveWithOwnLayers(DriverOperation operation, SimulatedHostState state, SimulatedVm vm)
    {
        var disks = state.Disks.Detach(vm.VmId).Store;
        foreach (var layer in state.Disks.Chain(vm.Definition.DiskLayerId).Where(l => !l.IsBase))
        {
            if (disks.HasChildren(layer.LayerId) || disks.IsWritten(layer.LayerId)) break;
            var deleted = disks.Delete(layer.LayerId);
            if (deleted.Refusal is { } reason) throw Refuse(operation, state.Inventory.HostId, reason);
            disks = deleted.Store;
        }
        return state with { Disks = disks, VmsById = state.VmsById.Remove(vm.VmId) };
    }

    private static DiskLayerStore ResetLayer(DiskLayerStore disks, string layerId, long allocatedGib) =>
        disks with { Layers = disks.Layers.SetItem(layerId, disks.Layers[layerId] with { AllocatedGib = allocatedGib }) };

    /// <summary>
    /// A parent whose memory and disk its forked children share must stay exactly as it was: it may not resume,
    /// power off or be unregistered while it has children. Returns null so that it composes with a switch.
    /// </summary>
    private static SimulatedVm? ProtectParent(DriverOperation operation, SimulatedHostState state, string vmId) =>
        state.HasChildren(vmId)
            ? throw Refuse(operation, state.Inventory.HostId, $"VM {vmId} has forked children that share its memory and disk; remove them first")
            : null;

    /// <summary>
    /// Starts a VM if the host has the memory for it now. Memory is never over-committed; cores are time-shared, as a
    /// real hypervisor runs more vCPUs than it has cores, so only the controller's allocation ratio bounds them.
    /// </summary>
    private static SimulatedVm Start(DriverOperation operation, SimulatedHostState state, SimulatedVm vm)
    {
        var free = state.Free;
        var need = vm.Definition.Hardware;
        if (need.MemoryMib > free.MemoryMib)
        {
            throw Refuse(operation, state.Inventory.HostId,
                $"not enough free memory for VM {vm.VmId}: needs {need.MemoryMib} MiB, {free.MemoryMib} MiB free");
        }
        return vm with { PowerState = VmPowerState.Running };
    }

    private void Change(DriverOperation operation, string hostId, Func<SimulatedHostState, SimulatedHostState> change) =>
        Fleet.Change(operation, hostId, state => (change(state), true));

    private static HypervisorException Refuse(DriverOperation operation, string hostId, string reason) =>
        new(operation, hostId, reason);
}
