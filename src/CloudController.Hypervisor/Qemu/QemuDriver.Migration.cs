using System.Net;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Migration: preparing a target, switching over, cancelling and completing, and moving a running guest into a new process.</summary>
public sealed partial class QemuDriver
{
    public Task PrepareMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHosts(DriverOperation.PrepareMigration, plan.SourceHostId, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.PrepareMigration;
            var vm = RequireVm(op, plan.SourceHostId, plan.VmId);
            if (vm.ForkedFrom is not null) throw Refuse(op, plan.SourceHostId, $"VM {plan.VmId} shares its parent's memory and disk; promote it first");
            ProtectParent(op, plan.SourceHostId, plan.VmId);
            if (Vm(plan.TargetHostId, plan.VmId) is { } there)
            {
                if (there.IncomingMigration == plan.MigrationId) return;
                throw Refuse(op, plan.TargetHostId, $"VM {plan.VmId} is already on this host");
            }
            await PlaceDiskAsync(plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, ct);
            Save(plan.TargetHostId, vm with { IncomingMigration = plan.MigrationId, MemoryFile = Paths.Memory(plan.TargetHostId, plan.VmId), Launch = 0 });
        });

    public Task SwitchOverAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHosts(DriverOperation.SwitchOver, plan.SourceHostId, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.SwitchOver;
            if (Vm(plan.SourceHostId, plan.VmId) is not { } vm || vm.MigratedTo == plan.TargetHostId) return;
            var incoming = Vm(plan.TargetHostId, plan.VmId);
            if (incoming?.IncomingMigration != plan.MigrationId)
                throw Refuse(op, plan.TargetHostId, $"migration {plan.MigrationId} of VM {plan.VmId} is not prepared here");
            var arrived = incoming with { IncomingMigration = null, Data = vm.Data, Apps = vm.Apps, Customizations = vm.Customizations, Checkpoints = [] };
            switch (PowerState(plan.SourceHostId, vm))
            {
                case VmPowerState.Running:
                    var process = (await ProcessOf(plan.SourceHostId, plan.VmId, ct))!;
                    // Live with a local disk: the disk is mirrored into a fresh layer on the target while the guest
                    // runs. Not live: the guest stops, its disk is copied as it is now, then its memory follows.
                    var mirror = plan.Live && !OnSharedStorage(plan.SourceHostId, vm.Definition.DiskLayerId);
                    if (!plan.Live) await process.Qmp.StopAsync(ct);
                    try
                    {
                        if (!plan.Live) await CopyDiskAsync(op, plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, vm.Definition.DiskLayerId, ct, refresh: true);
                        if (mirror) await PlaceDiskAsync(plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, ct, fresh: true);
                        var sync = mirror ? MirrorSync(plan.SourceHostId, vm.Definition.DiskLayerId) : null;
                        await MoveProcessAsync(op, plan.SourceHostId, process, arrived, plan.TargetHostId, sourceRuns: true, sync, ct);
                    }
                    catch when (!plan.Live)
                    {
                        // With a fresh token: a cancelled switch-over still leaves the source running.
                        if (await process.Qmp.QueryStatusAsync(CancellationToken.None) != "running") await process.Qmp.ContinueAsync(CancellationToken.None);
                        throw;
                    }
                    break;
                case VmPowerState.Suspended:
                    await CopyDiskAsync(op, plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, vm.Definition.DiskLayerId, ct, refresh: true);
                    await CopySavedStateAsync(plan.SourceHostId, vm, plan.TargetHostId, plan.VmId, ct);
                    break;
                default:
                    await CopyDiskAsync(op, plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, vm.Definition.DiskLayerId, ct, refresh: true);
                    break;
            }
            Save(plan.TargetHostId, arrived with { Launch = Vm(plan.TargetHostId, plan.VmId)!.Launch });
            Save(plan.SourceHostId, vm with { MigratedTo = plan.TargetHostId });
        });

    public Task CancelMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHosts(DriverOperation.CancelMigration, plan.SourceHostId, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.CancelMigration;
            if (Vm(plan.SourceHostId, plan.VmId) is { MigratedTo: not null })
                throw Refuse(op, plan.SourceHostId, $"VM {plan.VmId} already switched over to {plan.TargetHostId}; complete the migration instead");
            if (Vm(plan.TargetHostId, plan.VmId) is { } incoming && incoming.IncomingMigration == plan.MigrationId)
            {
                await StopProcessAsync(plan.TargetHostId, plan.VmId, ct);
                Directory.Delete(Paths.Vm(plan.TargetHostId, plan.VmId), recursive: true);
                if (Layer(plan.TargetHostId, incoming.Definition.DiskLayerId) is { } copied) ForgetLayer(plan.TargetHostId, copied);
            }
        });

    public Task CompleteMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.CompleteMigration, plan.SourceHostId, ct, () =>
        {
            if (Vm(plan.SourceHostId, plan.VmId) is not { } vm) return Task.CompletedTask;
            if (vm.MigratedTo != plan.TargetHostId)
                throw Refuse(DriverOperation.CompleteMigration, plan.SourceHostId, $"VM {plan.VmId} has not switched over to {plan.TargetHostId}");
            Directory.Delete(Paths.Vm(plan.SourceHostId, plan.VmId), recursive: true);
            // A shared layer stays for the VM on its target, whichever machine that is.
            if (Layer(plan.SourceHostId, vm.Definition.DiskLayerId) is { } left) ForgetLayer(plan.SourceHostId, left, keptElsewhere: left.Datastore is not null);
            return Task.CompletedTask;
        });

    /// <summary>
    /// Moves a VM's memory and device state into a new process (on this host or another) over a socket, live when
    /// the guest runs. On failure the new process is killed and the old one runs on, as it ran before the move
    /// (<paramref name="sourceRuns"/>: the caller may have paused it to copy its disk).
    /// </summary>
    /// <param name="mirrorSync">When the disk moves too (a local disk, live): how much of its chain the source mirrors
    /// into the target's layer over NBD (<see cref="MirrorSync"/>) before the memory follows, as libvirt's storage
    /// migration does. The target stays paused until the mirror has ended in step with it.</param>
    private async Task MoveProcessAsync(DriverOperation op, string fromHost, QemuVmProcess from, QemuVmRecord arriving, string toHost, bool sourceRuns, string? mirrorSync, CancellationToken ct)
    {
        var vmId = arriving.Definition.VmId;
        var launch = Math.Max(arriving.Launch, from.Launch) + 1;
        var elsewhere = toHost != fromHost;
        QemuVmProcess? to = null;
        try
        {
            File.Delete(arriving.MemoryFile!);
            // The target's launch is on its record before its process exists, so a cancel (or a restarted node)
            // finds the process by its pid file whatever happens from here.
            if (elsewhere) Save(toHost, Vm(toHost, vmId)! with { Launch = launch });
            to = await StartProcessAsync(op, toHost, arriving, launch, arriving.MemoryFile!, memoryShared: true, incoming: true, ct);
            if (elsewhere) processes[(toHost, vmId)] = to;
            var endpoints = await ListenAsync(to, IPAddress.Loopback.ToString(), disk: mirrorSync is not null, ct);
            await SendAsync(from, endpoints, mirrorSync, ct);
            await ArriveAsync(to, endpoints.Disk is not null, ct);
        }
        catch (Exception e) when (e is QmpException or IOException or HypervisorException or OperationCanceledException)
        {
            await AbandonMoveAsync(fromHost, from, toHost, arriving, launch, to, sourceRuns);
            if (e is OperationCanceledException) throw;
            throw Refuse(op, toHost, $"moving VM {vmId}: {e.Message}");
        }
        processes.TryRemove((fromHost, vmId), out _);
        await from.StopAsync(ct);
        if (from.Listening) to!.ResumedListening();
        processes[(toHost, vmId)] = to!;
        Save(toHost, arriving with { Launch = launch });
        if (arriving.Data is { } data) await to!.SendDataAsync(data, ct);
    }

    /// <summary>
    /// Undoes a move that failed, timed out or was cancelled: the source's outgoing migration is cancelled, the new
    /// process (started or half-started) goes, and a source that ran runs again. It runs to its end whatever the
    /// caller's token says, since a given-up move must not leave a paused guest or a stray process behind.
    /// </summary>
    private async Task AbandonMoveAsync(string fromHost, QemuVmProcess from, string toHost, QemuVmRecord arriving, int launch, QemuVmProcess? to, bool sourceRuns)
    {
        var vmId = arriving.Definition.VmId;
        var none = CancellationToken.None;
        await AbandonSendAsync(from);
        if (to is not null) await to.StopAsync(none);
        else if (QemuVmProcess.RunningPid(Paths.PidFile(toHost, vmId, launch)) is { } pid) QemuVmProcess.Kill(pid);
        if (toHost != fromHost) processes.TryRemove((toHost, vmId), out _);
        File.Delete(arriving.MemoryFile!);
        if (sourceRuns && await from.Qmp.QueryStatusAsync(none) != "running") await from.Qmp.ContinueAsync(none);
    }

    /// <summary>The last completed move of a VM's running state (migration or promotion), for measurement.</summary>
    public MigrationProgress? LastMigration { get; private set; }
}
