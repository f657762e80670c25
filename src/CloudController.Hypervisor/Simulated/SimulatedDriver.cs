using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>
/// Drives a <see cref="SimulatedFleet"/> with the semantics a real hypervisor has: capacity is enforced, a running VM
/// cannot be unregistered, a layer in use cannot be deleted, and every operation is idempotent for the same ids.
/// Each call first waits its configured latency, then fires any injected fault, and only then changes state.
/// </summary>
public sealed class SimulatedDriver(SimulatedFleet fleet) : IHypervisorDriver
{
    public SimulatedFleet Fleet { get; } = fleet;

    public string Name => $"simulated ({Fleet.HostIds.Length} hosts)";

    public DriverCapabilities Capabilities =>
        DriverCapabilities.Suspend | DriverCapabilities.Fork | DriverCapabilities.LiveMigration | DriverCapabilities.GuestData;

    public async Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct)
    {
        await Prelude(DriverOperation.DiscoverHosts, Fleet.HostIds[0], null, ct);
        return Fleet.HostIds.Select(id => Fleet.Inspect(id).Inventory).ToList();
    }

    public async Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct)
    {
        await Prelude(DriverOperation.QueryHostStatus, hostId, null, ct);
        var state = Fleet.Inspect(hostId);
        var inUse = state.InUse;
        var load = state.Inventory.Capacity.CpuCores == 0 ? 0 : (double)inUse.CpuCores / state.Inventory.Capacity.CpuCores;
        return new HostStatusReport(hostId, true, state.Free.MemoryMib, state.Free.DiskGib, Math.Min(1, load),
            state.Vms.Count(v => v.PowerState == VmPowerState.Running), DateTimeOffset.UtcNow,
            state.Disks.Layers.Values.Where(l => l.IsBase).Select(l => l.Image!).Distinct().ToList());
    }

    public Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct) =>
        ChangeDisks(DriverOperation.EnsureBaseLayer, hostId, null, ct, disks => disks.AddBase(spec.LayerId, spec.Image, spec.SizeGib, spec.Shared));

    public Task CreateDiskLayerAsync(string hostId, DiskLayerSpec spec, CancellationToken ct) =>
        ChangeDisks(DriverOperation.CreateDiskLayer, hostId, null, ct,
            disks => disks.AddCopyOnWrite(spec.LayerId, spec.ParentLayerId, spec.SizeGib, Fleet.Options.CopyOnWriteInitialGib));

    public Task DeleteDiskLayerAsync(string hostId, string layerId, CancellationToken ct) =>
        ChangeDisks(DriverOperation.DeleteDiskLayer, hostId, null, ct, disks => disks.Delete(layerId));

    public async Task RegisterVmAsync(string hostId, VmDefinition vm, CancellationToken ct)
    {
        await Prelude(DriverOperation.RegisterVm, hostId, vm.VmId, ct);
        Change(DriverOperation.RegisterVm, hostId, state =>
        {
            if (state.VmsById.TryGetValue(vm.VmId, out var existing))
            {
                return existing.Definition == vm ? state : throw Refuse(DriverOperation.RegisterVm, hostId, $"VM {vm.VmId} exists with another definition");
            }
            var attached = state.Disks.Attach(vm.VmId, vm.DiskLayerId);
            if (attached.Refusal is { } reason) throw Refuse(DriverOperation.RegisterVm, hostId, reason);
            return state with { Disks = attached.Store, VmsById = state.VmsById.Add(vm.VmId, new SimulatedVm(vm, VmPowerState.PoweredOff)) };
        });
    }

    public async Task UnregisterVmAsync(string hostId, string vmId, CancellationToken ct)
    {
        await Prelude(DriverOperation.UnregisterVm, hostId, vmId, ct);
        Change(DriverOperation.UnregisterVm, hostId, state =>
        {
            if (!state.VmsById.TryGetValue(vmId, out var vm)) return state;
            ProtectParent(DriverOperation.UnregisterVm, state, vmId);
            if (vm.PowerState != VmPowerState.PoweredOff)
                throw Refuse(DriverOperation.UnregisterVm, hostId, $"VM {vmId} is {vm.PowerState}; power it off first");
            return state with { Disks = state.Disks.Detach(vmId).Store, VmsById = state.VmsById.Remove(vmId) };
        });
    }

    public Task PowerOnAsync(string hostId, string vmId, CancellationToken ct) =>
        ChangeVm(DriverOperation.PowerOn, hostId, vmId, ct, (state, vm) => vm.PowerState switch
        {
            VmPowerState.Running => vm,
            VmPowerState.Suspended => throw Refuse(DriverOperation.PowerOn, hostId, $"VM {vmId} is suspended; resume it"),
            _ => Start(DriverOperation.PowerOn, state, vm) with { Boots = vm.Boots + 1 },
        });

    public async Task PowerOffAsync(string hostId, string vmId, CancellationToken ct)
    {
        await Prelude(DriverOperation.PowerOff, hostId, vmId, ct);
        // Powering off a VM that is not there is done already: an undo may run for a step that never happened.
        Change(DriverOperation.PowerOff, hostId, state =>
        {
            if (!state.VmsById.TryGetValue(vmId, out var vm)) return state;
            ProtectParent(DriverOperation.PowerOff, state, vmId);
            return state with { VmsById = state.VmsById.SetItem(vmId, vm with { PowerState = VmPowerState.PoweredOff }) };
        });
    }

    public Task SuspendAsync(string hostId, string vmId, CancellationToken ct) =>
        ChangeVm(DriverOperation.Suspend, hostId, vmId, ct, (_, vm) => vm.PowerState switch
        {
            VmPowerState.PoweredOff => throw Refuse(DriverOperation.Suspend, hostId, $"VM {vmId} is powered off; only a running VM can be suspended"),
            _ => vm with { PowerState = VmPowerState.Suspended },
        });

    public Task ResumeAsync(string hostId, string vmId, CancellationToken ct) =>
        ChangeVm(DriverOperation.Resume, hostId, vmId, ct, (state, vm) => ProtectParent(DriverOperation.Resume, state, vmId) ?? vm.PowerState switch
        {
            VmPowerState.Running => vm,
            VmPowerState.PoweredOff => throw Refuse(DriverOperation.Resume, hostId, $"VM {vmId} is powered off; it has no saved state to resume"),
            _ => Start(DriverOperation.Resume, state, vm),
        });

    public Task InstallAppAsync(string hostId, string vmId, GuestAppInstall install, CancellationToken ct) =>
        ChangeVm(DriverOperation.InstallApp, hostId, vmId, ct, (_, vm) => vm.PowerState switch
        {
            VmPowerState.Running => vm.InstalledApps.ContainsKey(install.App)
                ? vm
                : vm with { InstalledApps = vm.InstalledApps.Add(install.App, install.AnswerFileText) },
            _ => throw Refuse(DriverOperation.InstallApp, hostId, $"VM {vmId} is {vm.PowerState}; apps install in a running guest"),
        });

    public async Task CloneSuspendedAsync(string sourceHostId, string sourceVmId, string targetHostId, VmDefinition clone, CancellationToken ct)
    {
        await Prelude(DriverOperation.CloneSuspended, targetHostId, clone.VmId, ct);
        const DriverOperation op = DriverOperation.CloneSuspended;
        var source = Fleet.Inspect(sourceHostId);
        if (!source.VmsById.TryGetValue(sourceVmId, out var original))
            throw Refuse(op, sourceHostId, $"no VM {sourceVmId} to clone");
        if (original.PowerState != VmPowerState.Suspended)
            throw Refuse(op, sourceHostId, $"VM {sourceVmId} is {original.PowerState}; only a suspended VM has a saved state to copy");
        var chain = source.Disks.Chain(original.Definition.DiskLayerId);
        var top = chain[0];
        var baseLayer = chain[^1];

        Change(op, targetHostId, state =>
        {
            if (state.VmsById.TryGetValue(clone.VmId, out var existing))
                return existing.Definition == clone ? state : throw Refuse(op, targetHostId, $"VM {clone.VmId} exists with another definition");
            var disks = Apply(state.Disks.AddBase(baseLayer.LayerId, baseLayer.Image!, baseLayer.VirtualSizeGib));
            // The copy of the source's own layer takes what the source's layer took: its writes come along.
            disks = Apply(disks.AddCopyOnWrite(clone.DiskLayerId, baseLayer.LayerId, top.VirtualSizeGib, top.AllocatedGib));
            disks = Apply(disks.Attach(clone.VmId, clone.DiskLayerId));
            var next = state with
            {
                Disks = disks,
                VmsById = state.VmsById.Add(clone.VmId, new SimulatedVm(clone, VmPowerState.Suspended) { InstalledApps = original.InstalledApps }),
            };
            return next.Free.DiskGib < 0 ? throw Refuse(op, targetHostId, $"not enough disk for the copy: {state.Free.DiskGib} GiB free") : next;

            DiskLayerStore Apply(DiskChange change) => change.Refusal is { } reason ? throw Refuse(op, targetHostId, reason) : change.Store;
        });
    }

    public async Task ForkAsync(string hostId, string parentVmId, VmDefinition child, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.Fork;
        await Prelude(op, hostId, child.VmId, ct);
        Change(op, hostId, state =>
        {
            if (state.VmsById.TryGetValue(child.VmId, out var existing))
                return existing.Definition == child ? state : throw Refuse(op, hostId, $"VM {child.VmId} exists with another definition");
            if (!state.VmsById.TryGetValue(parentVmId, out var parent)) throw Refuse(op, hostId, $"no parent VM {parentVmId} on this host");
            if (parent.PowerState != VmPowerState.Suspended)
                throw Refuse(op, hostId, $"parent {parentVmId} is {parent.PowerState}; quiesce it (suspend) before forking");
            if (child.Hardware.MemoryMib != parent.Definition.Hardware.MemoryMib)
                throw Refuse(op, hostId, $"a fork has its parent's memory ({parent.Definition.Hardware.MemoryMib} MiB), not {child.Hardware.MemoryMib} MiB");

            var disks = state.Disks.AddCopyOnWrite(child.DiskLayerId, parent.Definition.DiskLayerId, child.Hardware.DiskGib, Fleet.Options.CopyOnWriteInitialGib);
            if (disks.Refusal is { } diskRefusal) throw Refuse(op, hostId, diskRefusal);
            var attached = disks.Store.Attach(child.VmId, child.DiskLayerId);
            if (attached.Refusal is { } attachRefusal) throw Refuse(op, hostId, attachRefusal);
            var forked = new SimulatedVm(child, VmPowerState.Running)
            {
                ForkedFrom = parentVmId,
                PrivateMemoryMib = Math.Min(Fleet.Options.ForkedChildPrivateMemoryMib, child.Hardware.MemoryMib),
                InstalledApps = parent.InstalledApps,
            };
            var next = state with { Disks = attached.Store, VmsById = state.VmsById.Add(child.VmId, forked) };
            var free = next.Free;
            return free.MemoryMib < 0 || free.CpuCores < 0 || free.DiskGib < 0
                ? throw Refuse(op, hostId, $"not enough room for child {child.VmId}: {state.Free} free before it")
                : next;
        });
    }

    public async Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct)
    {
        await Prelude(DriverOperation.GetVm, hostId, vmId, ct);
        return Fleet.Inspect(hostId).VmsById.TryGetValue(vmId, out var vm)
            ? new VmStatusReport(vmId, hostId, vm.PowerState, vm.Definition)
            : null;
    }

    /// <summary>Counts the call, waits its latency, then fires an injected fault if one matches.</summary>
    private async Task Prelude(DriverOperation operation, string hostId, string? vmId, CancellationToken ct)
    {
        Fleet.Count(operation);
        if (Fleet.Options.Latency.TryGetValue(operation, out var latency) && latency > TimeSpan.Zero)
            await Task.Delay(latency, ct);
        ct.ThrowIfCancellationRequested();
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

    /// <summary>
    /// A parent whose memory and disk its forked children share must stay exactly as it was: it may not resume,
    /// power off or be unregistered while it has children. Returns null so that it composes with a switch.
    /// </summary>
    private static SimulatedVm? ProtectParent(DriverOperation operation, SimulatedHostState state, string vmId) =>
        state.HasChildren(vmId)
            ? throw Refuse(operation, state.Inventory.HostId, $"VM {vmId} has forked children that share its memory and disk; remove them first")
            : null;

    /// <summary>Starts a VM if the host has the memory and cores for it now; hosts do not overcommit.</summary>
    private static SimulatedVm Start(DriverOperation operation, SimulatedHostState state, SimulatedVm vm)
    {
        var free = state.Free;
        var need = vm.Definition.Hardware;
        if (need.MemoryMib > free.MemoryMib || need.CpuCores > free.CpuCores)
        {
            throw Refuse(operation, state.Inventory.HostId,
                $"not enough free memory or cores for VM {vm.VmId}: needs {need.CpuCores} vCPU and {need.MemoryMib} MiB, {free.CpuCores} vCPU and {free.MemoryMib} MiB free");
        }
        return vm with { PowerState = VmPowerState.Running };
    }

    private void Change(DriverOperation operation, string hostId, Func<SimulatedHostState, SimulatedHostState> change) =>
        Fleet.Change(operation, hostId, state => (change(state), true));

    private static HypervisorException Refuse(DriverOperation operation, string hostId, string reason) =>
        new(operation, hostId, reason);
}
