using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>Moving a VM between simulated hosts: prepare on the target, switch over, then cancel or complete.</summary>
public sealed partial class SimulatedDriver
{
    public async Task PrepareMigrationAsync(MigrationPlan plan, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.PrepareMigration;
        await Prelude(op, plan.TargetHostId, plan.VmId, ct);
        var source = Fleet.Inspect(plan.SourceHostId);
        if (source.Down) throw Refuse(op, plan.SourceHostId, "host is down");
        if (!source.VmsById.TryGetValue(plan.VmId, out var vm)) throw Refuse(op, plan.SourceHostId, $"no VM {plan.VmId} to migrate");
        if (vm.ForkedFrom is not null) throw Refuse(op, plan.SourceHostId, $"VM {plan.VmId} shares its parent's memory and disk; promote it first");
        ProtectParent(op, source, plan.VmId);
        var chain = source.Disks.Chain(vm.Definition.DiskLayerId);

        Change(op, plan.TargetHostId, state =>
        {
            if (state.VmsById.TryGetValue(plan.VmId, out var there))
            {
                return there.IncomingMigration == plan.MigrationId
                    ? state
                    : throw Refuse(op, plan.TargetHostId, $"VM {plan.VmId} is already on this host");
            }
            var disks = state.Disks;
            var baseLayer = chain[^1];
            disks = Apply(disks.AddBase(baseLayer.LayerId, baseLayer.Image!, baseLayer.VirtualSizeGib, baseLayer.AllocatedGib == 0));
            // The VM's own layers go over, each taking what it took on the source: its writes come along.
            foreach (var layer in chain.Take(chain.Length - 1).Reverse())
                disks = Apply(disks.AddCopyOnWrite(layer.LayerId, layer.ParentLayerId!, layer.VirtualSizeGib, layer.AllocatedGib));
            disks = Apply(disks.Attach(plan.VmId, vm.Definition.DiskLayerId));
            var incoming = new SimulatedVm(vm.Definition, VmPowerState.PoweredOff)
            {
                IncomingMigration = plan.MigrationId,
                InstalledApps = vm.InstalledApps,
                Customizations = vm.Customizations,
                Data = vm.Data,
                Boots = vm.Boots,
            };
            var next = state with { Disks = disks, VmsById = state.VmsById.Add(plan.VmId, incoming) };
            return next.Free.DiskGib < 0 ? throw Refuse(op, plan.TargetHostId, $"not enough disk for VM {plan.VmId}: {state.Free.DiskGib} GiB free") : next;

            DiskLayerStore Apply(DiskChange change) => change.Refusal is { } reason ? throw Refuse(op, plan.TargetHostId, reason) : change.Store;
        });
    }

    public async Task SwitchOverAsync(MigrationPlan plan, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.SwitchOver;
        await Prelude(op, plan.SourceHostId, plan.VmId, ct);
        var source = Fleet.Inspect(plan.SourceHostId);
        if (source.Down) throw Refuse(op, plan.SourceHostId, "host is down");
        if (!source.VmsById.TryGetValue(plan.VmId, out var vm) || vm.MigratedTo == plan.TargetHostId) return;
        Change(op, plan.TargetHostId, state =>
        {
            if (!state.VmsById.TryGetValue(plan.VmId, out var incoming) || incoming.IncomingMigration != plan.MigrationId)
                throw Refuse(op, plan.TargetHostId, $"migration {plan.MigrationId} of VM {plan.VmId} is not prepared here");
            var arrived = incoming with { IncomingMigration = null, PowerState = vm.PowerState, InstalledApps = vm.InstalledApps, Data = vm.Data };
            if (vm.PowerState == VmPowerState.Running) arrived = Start(op, state, arrived);
            return state with { VmsById = state.VmsById.SetItem(plan.VmId, arrived) };
        });
        Change(op, plan.SourceHostId, state => state with
        {
            VmsById = state.VmsById.SetItem(plan.VmId, vm with { PowerState = VmPowerState.PoweredOff, MigratedTo = plan.TargetHostId }),
        });
    }

    public async Task CancelMigrationAsync(MigrationPlan plan, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.CancelMigration;
        await Prelude(op, plan.TargetHostId, plan.VmId, ct);
        Change(op, plan.TargetHostId, state =>
        {
            if (!state.VmsById.TryGetValue(plan.VmId, out var vm)) return state;
            if (vm.IncomingMigration != plan.MigrationId)
                throw Refuse(op, plan.TargetHostId, $"VM {plan.VmId} already runs here; migration {plan.MigrationId} switched over");
            return RemoveWithOwnLayers(op, state, vm);
        });
    }

    public async Task CompleteMigrationAsync(MigrationPlan plan, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.CompleteMigration;
        await Prelude(op, plan.SourceHostId, plan.VmId, ct);
        Change(op, plan.SourceHostId, state =>
        {
            if (!state.VmsById.TryGetValue(plan.VmId, out var vm)) return state;
            if (vm.MigratedTo != plan.TargetHostId)
                throw Refuse(op, plan.SourceHostId, $"VM {plan.VmId} has not switched over to {plan.TargetHostId}");
            return RemoveWithOwnLayers(op, state, vm);
        });
    }
}
