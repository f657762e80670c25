using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>
/// Drives a <see cref="SimulatedFleet"/> with the semantics a real hypervisor has: capacity is enforced, a running VM
/// cannot be unregistered, a layer in use cannot be deleted, and every operation is idempotent for the same ids.
/// Each call first waits its configured latency, then fires any injected fault, and only then changes state.
/// </summary>
public sealed partial class SimulatedDriver(SimulatedFleet fleet) : IHypervisorDriver
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
            state.Disks.Layers.Values.Where(l => l.IsBase).Select(l => l.Image!).Distinct().ToList(), state.Vms.Select(v => v.VmId).ToList());
    }

    public Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct) =>
        ChangeDisks(DriverOperation.EnsureBaseLayer, hostId, null, ct, disks => disks.AddBase(spec.LayerId, spec.Image, spec.SizeGib, spec.Shared));

    public Task CreateDiskLayerAsync(string hostId, DiskLayerSpec spec, CancellationToken ct) =>
        ChangeDisks(DriverOperation.CreateDiskLayer, hostId, null, ct, disks =>
        {
            var added = disks.AddCopyOnWrite(spec.LayerId, spec.ParentLayerId, spec.SizeGib, Fleet.Options.CopyOnWriteInitialGib);
            // The simulator has one store per host; it records which datastore the layer was put on.
            return added.IsRefused || spec.Datastore is null
                ? added
                : DiskChange.To(added.Store with { Layers = added.Store.Layers.SetItem(spec.LayerId, added.Store.Layers[spec.LayerId] with { Datastore = spec.Datastore }) });
        });

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
            // A forked child starts from its parent's saved state without booting, as long as that state is there and
            // still matches its disk; otherwise it boots, as the QEMU driver's would.
            _ => Start(DriverOperation.PowerOn, state, vm) with { Boots = ResumesFromParent(state, vm) ? vm.Boots : vm.Boots + 1 },
        });

    private static bool ResumesFromParent(SimulatedHostState state, SimulatedVm vm) =>
        vm is { ForkedFrom: { } parent, Diverged: false } && state.VmsById.TryGetValue(parent, out var p) && p.PowerState == VmPowerState.Suspended;

    public async Task PowerOffAsync(string hostId, string vmId, CancellationToken ct)
    {
        await Prelude(DriverOperation.PowerOff, hostId, vmId, ct);
        // Powering off a VM that is not there is done already: an undo may run for a step that never happened.
        Change(DriverOperation.PowerOff, hostId, state =>
        {
            if (!state.VmsById.TryGetValue(vmId, out var vm)) return state;
            ProtectParent(DriverOperation.PowerOff, state, vmId);
            var off = state with { VmsById = state.VmsById.SetItem(vmId, vm with { PowerState = VmPowerState.PoweredOff, Diverged = vm.Diverged || vm is { ForkedFrom: not null, Persistent: true } }) };
            // A non-persistent child drops what it wrote: next time it starts from the forked state again.
            return vm.ForkedFrom is null || vm.Persistent ? off : off with { Disks = ResetLayer(off.Disks, vm.Definition.DiskLayerId, Fleet.Options.CopyOnWriteInitialGib) };
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
        AddClone(DriverOperation.CloneSuspended, targetHostId, clone, SuspendedVm(DriverOperation.CloneSuspended, sourceHostId, sourceVmId));
    }

    public async Task ForkAsync(string hostId, string parentVmId, VmDefinition child, ForkOptions options, CancellationToken ct)
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
            var forked = new SimulatedVm(child, options.PowerOn ? VmPowerState.Running : VmPowerState.PoweredOff)
            {
                ForkedFrom = parentVmId,
                PrivateMemoryMib = Math.Min(Fleet.Options.ForkedChildPrivateMemoryMib, child.Hardware.MemoryMib),
                InstalledApps = parent.InstalledApps,
                Customizations = parent.Customizations,
                Persistent = options.Persistent,
                Data = options.Data,
            };
            var next = state with { Disks = attached.Store, VmsById = state.VmsById.Add(child.VmId, forked) };
            // Cores are time-shared (the controller decides how far to over-commit them); memory and disk are not.
            var free = next.Free;
            return free.MemoryMib < 0 || free.DiskGib < 0
                ? throw Refuse(op, hostId, $"not enough room for child {child.VmId}: {state.Free} free before it")
                : next;
        });
    }

    public Task CustomizeGuestAsync(string hostId, string vmId, GuestCustomization customization, CancellationToken ct) =>
        ChangeVm(DriverOperation.CustomizeGuest, hostId, vmId, ct, (_, vm) => vm.PowerState switch
        {
            _ when vm.Customizations.Contains(customization.Name) => vm,
            VmPowerState.Running => vm with
            {
                Customizations = vm.Customizations.Add(customization.Name),
                Boots = vm.Boots + customization.Reboots,
            },
            _ => throw Refuse(DriverOperation.CustomizeGuest, hostId, $"VM {vmId} is {vm.PowerState}; customizations apply in a running guest"),
        });

    public Task SetGuestDataAsync(string hostId, string vmId, GuestData data, CancellationToken ct) =>
        ChangeVm(DriverOperation.SetGuestData, hostId, vmId, ct, (_, vm) =>
            vm.Data is { } held && held.Generation >= data.Generation ? vm : vm with { Data = data });

    public async Task PromoteAsync(string hostId, string vmId, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.Promote;
        await Prelude(op, hostId, vmId, ct);
        Change(op, hostId, state =>
        {
            if (!state.VmsById.TryGetValue(vmId, out var vm)) throw Refuse(op, hostId, $"no VM {vmId} on this host");
            if (vm.ForkedFrom is null) return state;
            // The parent's own layer is folded into the child's, which then sits on the shared base like a full clone.
            var chain = state.Disks.Chain(vm.Definition.DiskLayerId);
            var own = chain[0];
            var baseLayer = chain[^1];
            var folded = chain.Skip(1).Take(chain.Length - 2).Sum(l => l.AllocatedGib);
            var next = state with
            {
                Disks = state.Disks.Rebase(own.LayerId, baseLayer.LayerId, own.AllocatedGib + folded),
                VmsById = state.VmsById.SetItem(vmId, vm with { ForkedFrom = null, PrivateMemoryMib = 0, Persistent = true }),
            };
            return next.Free.MemoryMib < 0 || next.Free.DiskGib < 0
                ? throw Refuse(op, hostId, $"not enough room to give VM {vmId} its own memory and disk: {state.Free} free")
                : next;
        });
    }

    public Task CheckpointAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        ChangeVmAndHost(DriverOperation.Checkpoint, hostId, vmId, ct, (state, vm) =>
        {
            if (vm.Checkpoints.ContainsKey(checkpointId)) return state;
            var own = state.Disks.Layers[vm.Definition.DiskLayerId];
            var next = state with { VmsById = state.VmsById.SetItem(vmId, vm with { Checkpoints = vm.Checkpoints.Add(checkpointId, own.AllocatedGib) }) };
            return next.Free.DiskGib < 0 ? throw Refuse(DriverOperation.Checkpoint, hostId, $"not enough disk for checkpoint {checkpointId}") : next;
        });

    public Task RefreshAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        ChangeVmAndHost(DriverOperation.Refresh, hostId, vmId, ct, (state, vm) =>
        {
            if (!vm.Checkpoints.TryGetValue(checkpointId, out var saved))
                throw Refuse(DriverOperation.Refresh, hostId, $"VM {vmId} has no checkpoint {checkpointId}");
            ProtectParent(DriverOperation.Refresh, state, vmId);
            return state with
            {
                Disks = ResetLayer(state.Disks, vm.Definition.DiskLayerId, saved),
                VmsById = state.VmsById.SetItem(vmId, vm with { PowerState = VmPowerState.PoweredOff }),
            };
        });

    public async Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct)
    {
        await Prelude(DriverOperation.GetVm, hostId, vmId, ct);
        var state = Fleet.Inspect(hostId);
        return state.VmsById.TryGetValue(vmId, out var vm)
            ? new VmStatusReport(vmId, hostId, vm.PowerState, vm.Definition,
                state.Disks.Layers.TryGetValue(vm.Definition.DiskLayerId, out var own) ? own.AllocatedGib : 0)
            : null;
    }
}
