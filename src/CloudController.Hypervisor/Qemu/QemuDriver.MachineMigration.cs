using System.Text.Json;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Live migration to and from a QEMU driver on another machine: each half runs on this driver's own host, and the
/// guest's memory and disk go straight between the two QEMU processes over TCP on the machines' migration addresses.
/// </summary>
public sealed partial class QemuDriver : IMachineMigration
{
    public Task<MigrationOffer> OfferMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.OfferMigration, plan.SourceHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.OfferMigration;
            var vm = RequireVm(op, plan.SourceHostId, plan.VmId);
            if (vm.ForkedFrom is not null) throw Refuse(op, plan.SourceHostId, $"VM {plan.VmId} shares its parent's memory and disk; promote it first");
            ProtectParent(op, plan.SourceHostId, plan.VmId);
            if (!plan.Live || PowerState(plan.SourceHostId, vm) != VmPowerState.Running)
                throw Refuse(op, plan.SourceHostId,
                    $"VM {plan.VmId} is {PowerState(plan.SourceHostId, vm)}; between machines only a running VM migrates, live: power it on, or choose a target host on this machine");
            var disk = await OfferDiskAsync(plan.SourceHostId, vm.Definition.DiskLayerId, ct);
            return disk with { VmJson = JsonSerializer.Serialize(vm) };
        });

    public Task AcceptMigrationAsync(MigrationPlan plan, MigrationOffer offer, CancellationToken ct) =>
        OnHost(DriverOperation.AcceptMigration, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.AcceptMigration;
            if (Vm(plan.TargetHostId, plan.VmId) is { } there)
            {
                if (there.IncomingMigration == plan.MigrationId) return;
                throw Refuse(op, plan.TargetHostId, $"VM {plan.VmId} is already on this host");
            }
            var vm = JsonSerializer.Deserialize<QemuVmRecord>(offer.VmJson) ?? throw Refuse(op, plan.TargetHostId, "the offer carries no VM record");
            RequireName(op, plan.TargetHostId, vm.Definition.VmId, "VM id");
            RequireName(op, plan.TargetHostId, vm.Definition.DiskLayerId, "layer id");
            await PlaceDiskAsync(plan.TargetHostId, vm.Definition.DiskLayerId, offer.BaseLayerId, offer.Image, offer.SharedBase, offer.Datastore, offer.DiskBytes, ct);
            Save(plan.TargetHostId, vm with
            {
                IncomingMigration = plan.MigrationId, MigratedTo = null, MemoryFile = Paths.Memory(plan.TargetHostId, plan.VmId), Launch = 0, Checkpoints = [],
            });
        });

    public Task<MigrationEndpoints> ListenForMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.ListenForMigration, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.ListenForMigration;
            var vm = Incoming(op, plan);
            await StopProcessAsync(plan.TargetHostId, plan.VmId, ct);
            File.Delete(vm.MemoryFile!);
            try
            {
                var to = await LaunchAsync(op, plan.TargetHostId, vm, vm.MemoryFile!, memoryShared: true, incoming: true, ct);
                return await ListenAsync(to, options.MigrationAddress, disk: MovesDisk(plan), ct);
            }
            catch (Exception e) when (e is QmpException or IOException or OperationCanceledException)
            {
                await StopProcessAsync(plan.TargetHostId, plan.VmId, CancellationToken.None);
                throw;
            }
        });

    public Task SendMigrationAsync(MigrationPlan plan, MigrationEndpoints to, CancellationToken ct) =>
        OnHost(DriverOperation.SendMigration, plan.SourceHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.SendMigration;
            var vm = RequireVm(op, plan.SourceHostId, plan.VmId);
            var from = await RunningProcess(op, plan.SourceHostId, vm, ct);
            try
            {
                await SendAsync(from, to, MirrorSync(plan.SourceHostId, vm.Definition.DiskLayerId), ct);
            }
            catch (Exception e) when (e is QmpException or IOException or OperationCanceledException)
            {
                await ResumeSourceAsync(from);
                if (e is OperationCanceledException) throw;
                throw Refuse(op, plan.SourceHostId, $"sending VM {plan.VmId} to {plan.TargetHostId}: {e.Message}");
            }
        });

    public Task FinishMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.FinishMigration, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.FinishMigration;
            var vm = Incoming(op, plan);
            var to = await ProcessOf(plan.TargetHostId, plan.VmId, ct) ?? throw Refuse(op, plan.TargetHostId, $"VM {plan.VmId} has no process listening here");
            try
            {
                await ArriveAsync(to, MovesDisk(plan), ct);
            }
            catch (Exception e) when (e is QmpException or IOException or OperationCanceledException)
            {
                await StopProcessAsync(plan.TargetHostId, plan.VmId, CancellationToken.None);
                throw;
            }
            // A guest migrated live was running, its daemon listening: it hears its data at once.
            to.ResumedListening();
            Save(plan.TargetHostId, vm with { IncomingMigration = null, Launch = to.Launch });
            if (vm.Data is { } data) await to.SendDataAsync(data, ct);
        });

    public Task EndMigrationSourceAsync(MigrationPlan plan, bool moved, CancellationToken ct) =>
        OnHost(DriverOperation.EndMigrationSource, plan.SourceHostId, ct, async () =>
        {
            if (Vm(plan.SourceHostId, plan.VmId) is not { } vm || vm.MigratedTo == plan.TargetHostId && moved) return;
            if (vm.MigratedTo is not null)
                throw Refuse(DriverOperation.EndMigrationSource, plan.SourceHostId, $"VM {plan.VmId} already switched over to {vm.MigratedTo}; complete the migration instead");
            if (moved)
            {
                await StopProcessAsync(plan.SourceHostId, plan.VmId, ct);
                Save(plan.SourceHostId, vm with { MigratedTo = plan.TargetHostId });
            }
            else if (await ProcessOf(plan.SourceHostId, plan.VmId, ct) is { } process)
            {
                await ResumeSourceAsync(process);
            }
        });

    public Task DropMigrationTargetAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.DropMigrationTarget, plan.TargetHostId, ct, async () =>
        {
            if (Vm(plan.TargetHostId, plan.VmId) is not { } incoming || incoming.IncomingMigration != plan.MigrationId) return;
            await StopProcessAsync(plan.TargetHostId, plan.VmId, ct);
            Directory.Delete(Paths.Vm(plan.TargetHostId, plan.VmId), recursive: true);
            // A shared layer's file stays: the source machine runs the VM over it.
            if (Layer(plan.TargetHostId, incoming.Definition.DiskLayerId) is { } layer) ForgetLayer(plan.TargetHostId, layer, keptElsewhere: layer.Datastore is not null);
        });

    private QemuVmRecord Incoming(DriverOperation op, MigrationPlan plan) =>
        Vm(plan.TargetHostId, plan.VmId) is { } vm && vm.IncomingMigration == plan.MigrationId
            ? vm
            : throw Refuse(op, plan.TargetHostId, $"migration {plan.MigrationId} of VM {plan.VmId} is not prepared here");

    /// <summary>Whether the migrating VM's disk moves with it (a local layer) rather than staying on a shared datastore.</summary>
    private bool MovesDisk(MigrationPlan plan) => Layer(plan.TargetHostId, Vm(plan.TargetHostId, plan.VmId)!.Definition.DiskLayerId)?.Datastore is null;

    /// <summary>A source whose send was given up: its jobs cancelled and its guest running, whatever the caller's token says.</summary>
    private async Task ResumeSourceAsync(QemuVmProcess from)
    {
        await AbandonSendAsync(from);
        if (await from.Qmp.QueryStatusAsync(CancellationToken.None) != "running") await from.Qmp.ContinueAsync(CancellationToken.None);
    }
}
