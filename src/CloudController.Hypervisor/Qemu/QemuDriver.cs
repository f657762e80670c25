using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CloudController.Domain;
using CloudController.Hypervisor.CloudInit;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Drives QEMU on this machine: one QEMU process per running VM, qcow2 layers made by qemu-img, suspend and fork
/// through QEMU's migration stream (guest RAM stays in a file, so a fork maps its parent's file copy-on-write),
/// live migration between processes over TCP, and a per-process serial channel for each VM's key/value data.
/// Operations on a host run one at a time; a migration holds both of its hosts.
/// </summary>
public sealed class QemuDriver : IHypervisorDriver, IAsyncDisposable
{
    private readonly QemuDriverOptions options;
    private readonly QemuImg img;
    private readonly ImmutableDictionary<string, QemuHostOptions> hosts;
    private readonly ImmutableDictionary<string, SemaphoreSlim> hostTurns;
    private readonly ConcurrentDictionary<(string Host, string Vm), QemuVmProcess> processes = new();

    public QemuDriver(QemuDriverOptions options)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        this.options = options;
        // Once per driver start: a machine's KVM does not change while the node runs.
        Acceleration = AcceleratorProbe.Read(options.DeviceRoot).Choose(options.Accelerator,
            () => KvmTrial.Run(options.QemuProgram, "kvm", KvmTrial.FindKernel(options.ImagesDirectory, options.DeviceRoot), options.KvmTrialTimeout));
        Paths = new QemuPaths(options.Root, options.RuntimeDirectory);
        img = new QemuImg(options.QemuImgProgram);
        hosts = options.Hosts.ToImmutableDictionary(h => h.Id);
        hostTurns = options.Hosts.ToImmutableDictionary(h => h.Id, _ => new SemaphoreSlim(1, 1));
        Directory.CreateDirectory(Paths.Runtime);
        foreach (var host in options.Hosts)
        {
            Directory.CreateDirectory(Paths.Layers(host.Id));
            Directory.CreateDirectory(Paths.Vms(host.Id));
        }
    }

    public QemuPaths Paths { get; }

    public string Name => $"qemu, {hosts.Count} hosts ({Acceleration.Reason})";

    /// <summary>What the VMs run on and why, chosen when the driver started.</summary>
    public AcceleratorChoice Acceleration { get; }

    /// <summary>kvm or tcg: what the VMs run on.</summary>
    public string Accelerator => Acceleration.Accelerator;

    public DriverCapabilities Capabilities =>
        DriverCapabilities.Suspend | DriverCapabilities.Fork | DriverCapabilities.LiveMigration | DriverCapabilities.GuestData;

    public Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct)
    {
        var flags = File.Exists("/proc/cpuinfo") ? MachineReadings.CpuFlags(File.ReadAllText("/proc/cpuinfo")) : [];
        IReadOnlyList<HostInventory> inventory = options.Hosts.Select(h => new HostInventory(h.Id, h.HardwareClass, h.Capacity, flags)).ToList();
        return Task.FromResult(inventory);
    }

    /// <summary>The real machine's free memory and load, bounded by what the host's own VMs leave of its capacity.</summary>
    public Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct)
    {
        var host = HostOptions(DriverOperation.QueryHostStatus, hostId);
        var vms = VmRecords(hostId).ToList();
        var running = vms.Where(v => IsRunning(hostId, v)).ToList();
        var committed = running.Sum(v => v.Definition.Hardware.MemoryMib);
        var available = MachineReadings.AvailableMemoryMib(File.ReadAllText("/proc/meminfo"));
        var load = MachineReadings.LoadPerCore(File.ReadAllText("/proc/loadavg"), Environment.ProcessorCount);
        var freeDisk = new DriveInfo(Paths.Root).AvailableFreeSpace / (1L << 30);
        var images = LayerRecords(hostId).Where(l => l.Image is not null).Select(l => l.Image!).Distinct().ToList();
        return Task.FromResult(new HostStatusReport(hostId, true, Math.Min(available, host.Capacity.MemoryMib - committed),
            Math.Min(freeDisk, host.Capacity.DiskGib), Math.Min(1, load), running.Count, DateTimeOffset.UtcNow, images));
    }

    public Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct) =>
        OnHost(DriverOperation.EnsureBaseLayer, hostId, ct, () => EnsureBaseAsync(hostId, spec.LayerId, spec.Image, spec.Shared, ct));

    public Task CreateDiskLayerAsync(string hostId, DiskLayerSpec spec, CancellationToken ct) =>
        OnHost(DriverOperation.CreateDiskLayer, hostId, ct, () => CreateOverlayAsync(DriverOperation.CreateDiskLayer, hostId, spec.LayerId, spec.ParentLayerId, spec.SizeGib, spec.Datastore, ct));

    public Task DeleteDiskLayerAsync(string hostId, string layerId, CancellationToken ct) =>
        OnHost(DriverOperation.DeleteDiskLayer, hostId, ct, () =>
        {
            const DriverOperation op = DriverOperation.DeleteDiskLayer;
            if (Layer(hostId, layerId) is not { } layer) return Task.CompletedTask;
            if (VmRecords(hostId).FirstOrDefault(v => v.Definition.DiskLayerId == layerId) is { } user)
                throw Refuse(op, hostId, $"layer {layerId} is the disk of VM {user.Definition.VmId}");
            if (LayerRecords(hostId).FirstOrDefault(l => l.ParentLayerId == layerId) is { } child)
                throw Refuse(op, hostId, $"layer {layerId} is the parent of layer {child.LayerId}");
            ForgetLayer(hostId, layer);
            return Task.CompletedTask;
        });

    public Task RegisterVmAsync(string hostId, VmDefinition vm, CancellationToken ct) =>
        OnHost(DriverOperation.RegisterVm, hostId, ct, () =>
        {
            const DriverOperation op = DriverOperation.RegisterVm;
            RequireName(op, hostId, vm.VmId, "VM id");
            if (Vm(hostId, vm.VmId) is { } existing)
                return existing.Definition == vm ? Task.CompletedTask : throw Refuse(op, hostId, $"VM {vm.VmId} exists with another definition");
            if (Layer(hostId, vm.DiskLayerId) is null) throw Refuse(op, hostId, $"no disk layer {vm.DiskLayerId} on this host");
            Save(hostId, new QemuVmRecord(vm) { MemoryFile = Paths.Memory(hostId, vm.VmId) });
            return Task.CompletedTask;
        });

    public Task UnregisterVmAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.UnregisterVm, hostId, ct, () =>
        {
            const DriverOperation op = DriverOperation.UnregisterVm;
            if (Vm(hostId, vmId) is not { } vm) return Task.CompletedTask;
            ProtectParent(op, hostId, vmId);
            if (vm.MigratedTo is null && PowerState(hostId, vm) != VmPowerState.PoweredOff)
                throw Refuse(op, hostId, $"VM {vmId} is {PowerState(hostId, vm)}; power it off first");
            Directory.Delete(Paths.Vm(hostId, vmId), recursive: true);
            return Task.CompletedTask;
        });

    public Task PowerOnAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.PowerOn, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.PowerOn;
            var vm = RequireVm(op, hostId, vmId);
            switch (PowerState(hostId, vm))
            {
                case VmPowerState.Running: return;
                case VmPowerState.Suspended: throw Refuse(op, hostId, $"VM {vmId} is suspended; resume it");
            }
            if (vm.ForkedFrom is { } parent) await StartForkedAsync(op, hostId, vm, parent, ct);
            else await BootAsync(op, hostId, vm, ct);
        });

    public Task PowerOffAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.PowerOff, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.PowerOff;
            if (Vm(hostId, vmId) is not { } vm) throw Refuse(op, hostId, $"no VM {vmId} on this host");
            ProtectParent(op, hostId, vmId);
            await StopProcessAsync(hostId, vmId, ct);
            File.Delete(Paths.SavedState(hostId, vmId));
            if (vm.MemoryFile == Paths.Memory(hostId, vmId)) File.Delete(Paths.Memory(hostId, vmId));
            // A non-persistent child goes back to the forked state: a fresh layer over its parent's.
            if (vm is { ForkedFrom: not null, Persistent: false })
                await ResetLayerAsync(hostId, vm.Definition.DiskLayerId, ct);
        });

    public Task SuspendAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.Suspend, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Suspend;
            var vm = RequireVm(op, hostId, vmId);
            switch (PowerState(hostId, vm))
            {
                case VmPowerState.Suspended: return;
                case VmPowerState.PoweredOff: throw Refuse(op, hostId, $"VM {vmId} is powered off; only a running VM can be suspended");
            }
            var process = await ProcessOf(hostId, vmId, ct) ?? throw Refuse(op, hostId, $"VM {vmId} has no process");
            await process.Qmp.StopAsync(ct);
            // RAM in a shared memory file stays there; only device state (and a child's private pages) is written out.
            await process.Qmp.IgnoreSharedMemoryAsync(true, ct);
            try
            {
                await WriteWholeAsync(Paths.SavedState(hostId, vmId), async partial =>
                {
                    await process.Qmp.MigrateAsync($"exec:cat > {Quote(partial)}", ct);
                    await process.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
                });
            }
            catch (QmpException e)
            {
                await process.Qmp.ContinueAsync(ct);
                throw Refuse(op, hostId, e.Message);
            }
            await StopProcessAsync(hostId, vmId, ct);
            // A child's private pages went into the state: from now on it resumes into memory of its own.
            if (vm.MemoryFile != Paths.Memory(hostId, vmId)) Save(hostId, vm with { MemoryFile = Paths.Memory(hostId, vmId) });
        });

    public Task ResumeAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.Resume, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Resume;
            var vm = RequireVm(op, hostId, vmId);
            switch (PowerState(hostId, vm))
            {
                case VmPowerState.Running: return;
                case VmPowerState.PoweredOff: throw Refuse(op, hostId, $"VM {vmId} is powered off; it has no saved state to resume");
            }
            ProtectParent(op, hostId, vmId);
            await StartFromStateAsync(op, hostId, vm, Paths.SavedState(hostId, vmId), vm.MemoryFile!, memoryShared: true, ct);
            File.Delete(Paths.SavedState(hostId, vmId));
        });

    public Task InstallAppAsync(string hostId, string vmId, GuestAppInstall install, CancellationToken ct) =>
        OnHost(DriverOperation.InstallApp, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.InstallApp;
            var vm = RequireVm(op, hostId, vmId);
            if (vm.Apps.Contains(install.App)) return;
            var process = await RunningProcess(op, hostId, vm, ct);
            await process.WaitForListeningAsync(options.StartTimeout * 4, ct);
            await process.SendAsync(JsonSerializer.Serialize(new { install = install.App, answerFile = install.AnswerFileName, answers = install.AnswerFileText }), ct);
            Save(hostId, vm with { Apps = vm.Apps.Add(install.App) });
        });

    public Task CloneSuspendedAsync(string sourceHostId, string sourceVmId, string targetHostId, VmDefinition clone, CancellationToken ct) =>
        OnHosts(DriverOperation.CloneSuspended, sourceHostId, targetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.CloneSuspended;
            RequireName(op, targetHostId, clone.VmId, "VM id");
            if (Vm(targetHostId, clone.VmId) is { } existing)
            {
                if (existing.Definition == clone) return;
                throw Refuse(op, targetHostId, $"VM {clone.VmId} exists with another definition");
            }
            var source = RequireVm(op, sourceHostId, sourceVmId);
            if (PowerState(sourceHostId, source) != VmPowerState.Suspended)
                throw Refuse(op, sourceHostId, $"VM {sourceVmId} is {PowerState(sourceHostId, source)}; only a suspended VM has a saved state to copy");
            await CopyDiskAsync(op, sourceHostId, source.Definition.DiskLayerId, targetHostId, clone.DiskLayerId, ct);
            await CopySavedStateAsync(sourceHostId, source, targetHostId, clone.VmId, ct);
            Save(targetHostId, new QemuVmRecord(clone) { MemoryFile = Paths.Memory(targetHostId, clone.VmId), Apps = source.Apps, Customizations = source.Customizations });
        });

    public Task ForkAsync(string hostId, string parentVmId, VmDefinition child, ForkOptions forkOptions, CancellationToken ct) =>
        OnHost(DriverOperation.Fork, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Fork;
            RequireName(op, hostId, child.VmId, "VM id");
            if (Vm(hostId, child.VmId) is { } existing)
            {
                if (existing.Definition == child) return;
                throw Refuse(op, hostId, $"VM {child.VmId} exists with another definition");
            }
            var parent = Vm(hostId, parentVmId) ?? throw Refuse(op, hostId, $"no parent VM {parentVmId} on this host");
            if (PowerState(hostId, parent) != VmPowerState.Suspended)
                throw Refuse(op, hostId, $"parent {parentVmId} is {PowerState(hostId, parent)}; quiesce it (suspend) before forking");
            if (child.Hardware.MemoryMib != parent.Definition.Hardware.MemoryMib)
                throw Refuse(op, hostId, $"a fork has its parent's memory ({parent.Definition.Hardware.MemoryMib} MiB), not {child.Hardware.MemoryMib} MiB");
            await CreateOverlayAsync(op, hostId, child.DiskLayerId, parent.Definition.DiskLayerId, null, null, ct);
            var record = new QemuVmRecord(child)
            {
                ForkedFrom = parentVmId,
                Persistent = forkOptions.Persistent,
                MemoryFile = parent.MemoryFile,
                Data = forkOptions.Data,
                Apps = parent.Apps,
                Customizations = parent.Customizations,
            };
            Save(hostId, record);
            if (forkOptions.PowerOn) await StartForkedAsync(op, hostId, record, parentVmId, ct);
        });

    public Task CustomizeGuestAsync(string hostId, string vmId, GuestCustomization customization, CancellationToken ct) =>
        OnHost(DriverOperation.CustomizeGuest, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.CustomizeGuest;
            var vm = RequireVm(op, hostId, vmId);
            if (vm.Customizations.Contains(customization.Name)) return;
            var process = await RunningProcess(op, hostId, vm, ct);
            await process.WaitForListeningAsync(options.StartTimeout * 4, ct);
            await process.SendAsync(JsonSerializer.Serialize(new { customize = customization.Name, detail = customization.Detail }), ct);
            // A reboot is a guest reset: the guest boots again from its disk, keeping what the customization wrote.
            // Each waits for the guest to come back on its channel, so reboots are never folded into one.
            for (var i = 0; i < customization.Reboots; i++)
            {
                var seen = process.ReadyCount;
                await process.Qmp.SystemResetAsync(ct);
                await process.WaitForGuestReadyAsync(seen, options.StartTimeout * 4, ct);
            }
            Save(hostId, vm with { Customizations = vm.Customizations.Add(customization.Name), Reboots = vm.Reboots + customization.Reboots });
        });

    public Task SetGuestDataAsync(string hostId, string vmId, GuestData data, CancellationToken ct) =>
        OnHost(DriverOperation.SetGuestData, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.SetGuestData;
            var vm = RequireVm(op, hostId, vmId);
            if (vm.Data is { } held && held.Generation >= data.Generation) return;
            var instance = NoCloudSeed.InstanceAfter(vmId, vm.SeedInstance, vm.Launch > 0, vm.Data?.Values, data.Values, data.Generation);
            vm = vm with { Data = data, SeedInstance = instance };
            Save(hostId, vm);
            await WriteSeedAsync(hostId, vm, ct);
            // A guest not yet listening gets the data it holds now when it says it is ready.
            if (PowerState(hostId, vm) == VmPowerState.Running && await ProcessOf(hostId, vmId, ct) is { Listening: true } process)
                await process.SendDataAsync(data, ct);
        });

    public Task PromoteAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.Promote, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Promote;
            var vm = RequireVm(op, hostId, vmId);
            if (vm.ForkedFrom is null) return;
            var layer = Layer(hostId, vm.Definition.DiskLayerId)!;
            var baseLayer = Chain(hostId, layer.LayerId)[^1];
            if (PowerState(hostId, vm) == VmPowerState.Running)
            {
                var process = (await ProcessOf(hostId, vmId, ct))!;
                // The parent's layers are pulled into the child's while it runs, down to the shared base.
                var job = $"promote-{vmId}";
                await process.Qmp.BlockStreamAsync("disk0", job, baseLayer.File, ct);
                await process.Qmp.WaitForBlockJobAsync(job, options.MigrationTimeout, ct);
                // Its memory moves into a new process over a file of its own; the parent's file is no longer mapped.
                var promoted = vm with { ForkedFrom = null, Persistent = true, MemoryFile = Paths.Memory(hostId, vmId) };
                await MoveProcessAsync(op, hostId, process, promoted, hostId, sourceRuns: true, ct);
                Save(hostId, promoted);
            }
            else
            {
                await WriteWholeAsync(layer.File, partial => img.ConvertOverAsync(layer.File, baseLayer.File, partial, ct));
                Save(hostId, vm with { ForkedFrom = null, Persistent = true, MemoryFile = Paths.Memory(hostId, vmId) });
            }
            SaveLayer(hostId, layer with { ParentLayerId = baseLayer.LayerId });
        });

    public Task CheckpointAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        OnHost(DriverOperation.Checkpoint, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Checkpoint;
            var vm = RequireVm(op, hostId, vmId);
            RequireName(op, hostId, checkpointId, "checkpoint id");
            if (vm.Checkpoints.Contains(checkpointId)) return;
            var layer = Layer(hostId, vm.Definition.DiskLayerId)!;
            var target = Paths.Checkpoint(hostId, vmId, checkpointId);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var process = PowerState(hostId, vm) == VmPowerState.Running ? await ProcessOf(hostId, vmId, ct) : null;
            // Quiesced while the OS layer is copied, so the copy is one consistent moment of the disk.
            if (process is not null) await process.Qmp.StopAsync(ct);
            try
            {
                await CopyWholeAsync(layer.File, target, ct);
            }
            finally
            {
                if (process is not null) await process.Qmp.ContinueAsync(ct);
            }
            Save(hostId, vm with { Checkpoints = vm.Checkpoints.Add(checkpointId) });
        });

    public Task RefreshAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        OnHost(DriverOperation.Refresh, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.Refresh;
            var vm = RequireVm(op, hostId, vmId);
            if (!vm.Checkpoints.Contains(checkpointId)) throw Refuse(op, hostId, $"VM {vmId} has no checkpoint {checkpointId}");
            ProtectParent(op, hostId, vmId);
            await StopProcessAsync(hostId, vmId, ct);
            File.Delete(Paths.SavedState(hostId, vmId));
            var layer = Layer(hostId, vm.Definition.DiskLayerId)!;
            await CopyWholeAsync(Paths.Checkpoint(hostId, vmId, checkpointId), layer.File, ct);
        });

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
            await CopyDiskAsync(op, plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, vm.Definition.DiskLayerId, ct);
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
                    var live = plan.Live && OnSharedStorage(plan.SourceHostId, vm.Definition.DiskLayerId);
                    // Local disks: the guest stops, its disk is copied as it is now, then its memory follows.
                    if (!live) await process.Qmp.StopAsync(ct);
                    try
                    {
                        if (!live) await CopyDiskAsync(op, plan.SourceHostId, vm.Definition.DiskLayerId, plan.TargetHostId, vm.Definition.DiskLayerId, ct, refresh: true);
                        await MoveProcessAsync(op, plan.SourceHostId, process, arrived, plan.TargetHostId, sourceRuns: true, ct);
                    }
                    catch when (!live)
                    {
                        if (await process.Qmp.QueryStatusAsync(ct) != "running") await process.Qmp.ContinueAsync(ct);
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
            if (Layer(plan.SourceHostId, vm.Definition.DiskLayerId) is { } left) ForgetLayer(plan.SourceHostId, left);
            return Task.CompletedTask;
        });

    public Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct)
    {
        HostOptions(DriverOperation.GetVm, hostId);
        if (Vm(hostId, vmId) is not { MigratedTo: null, IncomingMigration: null } vm) return Task.FromResult<VmStatusReport?>(null);
        var layer = Layer(hostId, vm.Definition.DiskLayerId);
        var used = layer is not null && File.Exists(layer.File) ? new FileInfo(layer.File).Length >> 30 : 0;
        return Task.FromResult<VmStatusReport?>(new VmStatusReport(vmId, hostId, PowerState(hostId, vm), vm.Definition, used));
    }

    /// <summary>The VM's record as its host keeps it (forks, reboots, data, customizations), or null.</summary>
    public QemuVmRecord? Vm(string hostId, string vmId) =>
        QemuPaths.IsSafeName(vmId) ? QemuRecordFile.Read<QemuVmRecord>(Paths.VmRecord(hostId, vmId)) : null;

    /// <summary>The pid of a VM's running QEMU process, for measuring it; null when it does not run.</summary>
    public int? ProcessId(string hostId, string vmId) =>
        processes.TryGetValue((hostId, vmId), out var process) && QemuVmProcess.IsAlive(process.Pid) ? process.Pid : null;

    public QemuLayerRecord? Layer(string hostId, string layerId) =>
        QemuPaths.IsSafeName(layerId) ? QemuRecordFile.Read<QemuLayerRecord>(Paths.LayerRecord(hostId, layerId)) : null;

    // ---- starting and stopping QEMU ----

    private async Task BootAsync(DriverOperation op, string hostId, QemuVmRecord vm, CancellationToken ct)
    {
        var memory = Paths.Memory(hostId, vm.Definition.VmId);
        File.Delete(memory);
        var record = vm with { MemoryFile = memory };
        var console = Paths.Console(hostId, vm.Definition.VmId);
        var spoken = FileLength(console);
        var process = await LaunchAsync(op, hostId, record, memory, memoryShared: true, incoming: false, ct);
        await WaitForSignOfLifeAsync(op, hostId, vm.Definition.VmId, process, console, spoken, ct);
    }

    /// <summary>
    /// A booting guest shows that it runs by printing on its console or speaking on its channel. One that does
    /// neither within the bound (a guest hung under an accelerator that cannot run it) is stopped, and the power-on
    /// fails naming the VM, the accelerator and how its console ends, instead of leaving a silent process behind.
    /// </summary>
    private async Task WaitForSignOfLifeAsync(DriverOperation op, string hostId, string vmId, QemuVmProcess process, string console, long spoken, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.GuestStartTimeout;
        try
        {
            while (process.ReadyCount == 0 && FileLength(console) <= spoken)
            {
                var alive = QemuVmProcess.IsAlive(process.Pid);
                if (alive && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50, ct);
                    continue;
                }
                await StopProcessAsync(hostId, vmId, CancellationToken.None);
                var lines = File.Exists(console) ? File.ReadAllLines(console).Where(l => l.Trim().Length > 0).TakeLast(3).ToList() : [];
                var tail = lines.Count > 0 ? "its console ends: " + string.Join(" | ", lines) : "its console is empty";
                var what = alive ? $"showed no sign of life within {options.GuestStartTimeout.TotalSeconds:0.#} s" : "stopped before it showed a sign of life";
                throw Refuse(op, hostId, $"VM {vmId} {what} under {Accelerator} (nothing on its console or its channel); {tail}");
            }
        }
        catch (OperationCanceledException)
        {
            // A power-on given up is not left half-done: the process goes, whatever token the caller held.
            await StopProcessAsync(hostId, vmId, CancellationToken.None);
            throw;
        }
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>A forked child starts from its parent's saved state over a private mapping of its parent's memory.</summary>
    private async Task StartForkedAsync(DriverOperation op, string hostId, QemuVmRecord child, string parentVmId, CancellationToken ct)
    {
        var parent = Vm(hostId, parentVmId) ?? throw Refuse(op, hostId, $"parent {parentVmId} of {child.Definition.VmId} is gone");
        await StartFromStateAsync(op, hostId, child, Paths.SavedState(hostId, parentVmId), parent.MemoryFile!, memoryShared: false, ct);
    }

    private async Task StartFromStateAsync(DriverOperation op, string hostId, QemuVmRecord vm, string state, string memoryFile, bool memoryShared, CancellationToken ct)
    {
        var process = await LaunchAsync(op, hostId, vm, memoryFile, memoryShared, incoming: true, ct);
        try
        {
            await process.Qmp.IgnoreSharedMemoryAsync(true, ct);
            await process.Qmp.MigrateIncomingAsync($"exec:cat {Quote(state)}", ct);
            await process.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
            // The state was saved from a stopped guest, so QEMU leaves it paused; it runs from here, without booting,
            // and its daemon, already listening, is told its own data (a fork's identity) at once.
            await process.Qmp.ContinueAsync(ct);
            process.ResumedListening();
            if (vm.Data is { } data) await process.SendDataAsync(data, ct);
        }
        catch (QmpException e)
        {
            await StopProcessAsync(hostId, vm.Definition.VmId, ct);
            throw Refuse(op, hostId, e.Message);
        }
    }

    private async Task<QemuVmProcess> LaunchAsync(DriverOperation op, string hostId, QemuVmRecord vm, string memoryFile, bool memoryShared, bool incoming, CancellationToken ct)
    {
        var launch = vm.Launch + 1;
        Save(hostId, vm with { Launch = launch });
        var process = await StartProcessAsync(op, hostId, vm, launch, memoryFile, memoryShared, incoming, ct);
        processes[(hostId, vm.Definition.VmId)] = process;
        return process;
    }

    private async Task<QemuVmProcess> StartProcessAsync(DriverOperation op, string hostId, QemuVmRecord vm, int launch, string memoryFile, bool memoryShared, bool incoming, CancellationToken ct)
    {
        var vmId = vm.Definition.VmId;
        var chain = Chain(hostId, vm.Definition.DiskLayerId);
        var baseLayer = chain[^1];
        var boot = baseLayer.Kernel is { } kernel ? new BootFiles(kernel, baseLayer.Initrd, options.KernelCommandLine) : null;
        await WriteSeedAsync(hostId, vm, ct);
        var spec = new QemuLaunch(vmId, vm.Definition.Hardware.CpuCores, vm.Definition.Hardware.MemoryMib, memoryFile, memoryShared,
            chain[0].File, boot, Paths.Console(hostId, vmId), Paths.Channel(hostId, vmId, launch), Paths.Qmp(hostId, vmId, launch),
            Paths.PidFile(hostId, vmId, launch), incoming, Accelerator, Paths.Seed(hostId, vmId), VmMac.Of(vm.Definition));
        try
        {
            return await QemuVmProcess.StartAsync(options.QemuProgram, spec, launch, Paths.ProcessLog(hostId, vmId), options.StartTimeout,
                process => SendCurrentDataAsync(hostId, vmId, process), ct);
        }
        catch (InvalidOperationException e)
        {
            throw Refuse(op, hostId, $"VM {vmId}: {e.Message}");
        }
    }

    /// <summary>
    /// The VM's cloud-init seed as its record has it now: written before every start of its process (so a fork, a
    /// clone or a migrated VM has its own) and on every change of its data.
    /// </summary>
    private Task WriteSeedAsync(string hostId, QemuVmRecord vm, CancellationToken ct)
    {
        IReadOnlyDictionary<string, string> data = vm.Data?.Values ?? ImmutableSortedDictionary<string, string>.Empty;
        var seed = NoCloudSeed.Render(vm.SeedInstance ?? vm.Definition.VmId, vm.Definition.Hostname, VmMac.Of(vm.Definition), data, Sha512Crypt.Hash);
        return NoCloudSeedDisk.WriteAsync(Paths.Seed(hostId, vm.Definition.VmId), seed, ct);
    }

    /// <summary>
    /// Moves a VM's memory and device state into a new process (on this host or another) over a socket, live when
    /// the guest runs. On failure the new process is killed and the old one runs on, as it ran before the move
    /// (<paramref name="sourceRuns"/>: the caller may have paused it to copy its disk).
    /// </summary>
    private async Task MoveProcessAsync(DriverOperation op, string fromHost, QemuVmProcess from, QemuVmRecord arriving, string toHost, bool sourceRuns, CancellationToken ct)
    {
        var vmId = arriving.Definition.VmId;
        var launch = Math.Max(arriving.Launch, from.Launch) + 1;
        QemuVmProcess? to = null;
        try
        {
            File.Delete(arriving.MemoryFile!);
            // All of the RAM travels: the new process has a memory file of its own (a fork's source maps its parent's).
            await from.Qmp.IgnoreSharedMemoryAsync(false, ct);
            to = await StartProcessAsync(op, toHost, arriving, launch, arriving.MemoryFile!, memoryShared: true, incoming: true, ct);
            var port = FreeLoopbackPort();
            await to.Qmp.MigrateIncomingAsync($"tcp:127.0.0.1:{port}", ct);
            await from.Qmp.MigrateAsync($"tcp:127.0.0.1:{port}", ct);
            LastMigration = await from.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
            await to.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
            if (await to.Qmp.QueryStatusAsync(ct) != "running") await to.Qmp.ContinueAsync(ct);
        }
        catch (Exception e) when (e is QmpException or IOException or HypervisorException)
        {
            try { await from.Qmp.MigrateCancelAsync(ct); } catch (QmpException) { }
            if (to is not null) await to.StopAsync(ct);
            File.Delete(arriving.MemoryFile!);
            if (sourceRuns && await from.Qmp.QueryStatusAsync(ct) != "running") await from.Qmp.ContinueAsync(ct);
            throw Refuse(op, toHost, $"moving VM {vmId}: {e.Message}");
        }
        processes.TryRemove((fromHost, vmId), out _);
        await from.StopAsync(ct);
        if (from.Listening) to!.ResumedListening();
        processes[(toHost, vmId)] = to!;
        Save(toHost, arriving with { Launch = launch });
        if (arriving.Data is { } data) await to!.SendDataAsync(data, ct);
    }

    /// <summary>The last completed move of a VM's running state (migration or promotion), for measurement.</summary>
    public MigrationProgress? LastMigration { get; private set; }

    /// <summary>A guest that starts listening (after a boot or reboot) gets the data its VM holds now.</summary>
    private async Task SendCurrentDataAsync(string hostId, string vmId, QemuVmProcess process)
    {
        if (Vm(hostId, vmId)?.Data is { } data) await process.SendDataAsync(data, CancellationToken.None);
    }

    private async Task StopProcessAsync(string hostId, string vmId, CancellationToken ct)
    {
        if (await ProcessOf(hostId, vmId, ct) is { } process)
        {
            processes.TryRemove((hostId, vmId), out _);
            await process.StopAsync(ct);
        }
    }

    private async Task<QemuVmProcess?> ProcessOf(string hostId, string vmId, CancellationToken ct)
    {
        if (processes.TryGetValue((hostId, vmId), out var known))
        {
            if (QemuVmProcess.IsAlive(known.Pid)) return known;
            processes.TryRemove((hostId, vmId), out _);
            await known.DisposeAsync();
            return null;
        }
        if (Vm(hostId, vmId) is not { Launch: > 0 } vm) return null;
        var attached = await QemuVmProcess.AttachAsync(Paths.PidFile(hostId, vmId, vm.Launch), Paths.Qmp(hostId, vmId, vm.Launch),
            Paths.Channel(hostId, vmId, vm.Launch), vm.Launch, process => SendCurrentDataAsync(hostId, vmId, process), ct);
        if (attached is not null) processes[(hostId, vmId)] = attached;
        return attached;
    }

    private async Task<QemuVmProcess> RunningProcess(DriverOperation op, string hostId, QemuVmRecord vm, CancellationToken ct) =>
        PowerState(hostId, vm) == VmPowerState.Running && await ProcessOf(hostId, vm.Definition.VmId, ct) is { } process
            ? process
            : throw Refuse(op, hostId, $"VM {vm.Definition.VmId} is {PowerState(hostId, vm)}; it must be running");

    /// <summary>A process this driver started, or (after a node restart) the one the VM's last pid file names, runs.</summary>
    private bool IsRunning(string hostId, QemuVmRecord vm) =>
        (processes.TryGetValue((hostId, vm.Definition.VmId), out var p) && QemuVmProcess.IsAlive(p.Pid)) ||
        (vm.Launch > 0 && QemuVmProcess.RunningPid(Paths.PidFile(hostId, vm.Definition.VmId, vm.Launch)) is not null);

    private VmPowerState PowerState(string hostId, QemuVmRecord vm) =>
        IsRunning(hostId, vm) ? VmPowerState.Running
        : File.Exists(Paths.SavedState(hostId, vm.Definition.VmId)) ? VmPowerState.Suspended
        : VmPowerState.PoweredOff;

    // ---- layers ----

    private async Task EnsureBaseAsync(string hostId, string layerId, string image, bool shared, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.EnsureBaseLayer;
        RequireName(op, hostId, layerId, "layer id");
        RequireName(op, hostId, image, "image");
        if (Layer(hostId, layerId) is { } existing)
        {
            if (existing.Image == image) return;
            throw Refuse(op, hostId, $"layer {layerId} exists for image {existing.Image}, not {image}");
        }
        var source = Path.Combine(options.ImagesDirectory, image + ".qcow2");
        if (!File.Exists(source)) throw Refuse(op, hostId, $"image '{image}' is not in {options.ImagesDirectory}: put {image}.qcow2 there");
        var target = Paths.LocalLayerFile(hostId, layerId);
        string? Boot(string extension)
        {
            var file = Path.Combine(options.ImagesDirectory, image + extension);
            if (!File.Exists(file)) return null;
            if (shared) return file;
            var copy = Path.Combine(Paths.Layers(hostId), layerId + extension);
            File.Copy(file, copy, overwrite: true);
            return copy;
        }
        if (shared)
        {
            // Shared storage: the host links the image instead of holding a copy.
            File.Delete(target);
            File.CreateSymbolicLink(target, Path.GetFullPath(source));
        }
        else
        {
            // Copied whole, flattening any chain the image has.
            await WriteWholeAsync(target, partial => img.FlattenAsync(source, partial, ct));
        }
        SaveLayer(hostId, new QemuLayerRecord(layerId, target, null, image, Linked: shared, Kernel: Boot(".vmlinuz"), Initrd: Boot(".initrd")));
    }

    private async Task CreateOverlayAsync(DriverOperation op, string hostId, string layerId, string parentLayerId, long? sizeGib, string? datastore, CancellationToken ct)
    {
        RequireName(op, hostId, layerId, "layer id");
        if (Layer(hostId, layerId) is { } existing)
        {
            if (existing.ParentLayerId == parentLayerId) return;
            throw Refuse(op, hostId, $"layer {layerId} exists over {existing.ParentLayerId}, not {parentLayerId}");
        }
        var parent = Layer(hostId, parentLayerId) ?? throw Refuse(op, hostId, $"no parent layer {parentLayerId} on this host");
        if (datastore is not null) RequireName(op, hostId, datastore, "datastore");
        var file = datastore is null ? Paths.LocalLayerFile(hostId, layerId) : Paths.DatastoreLayerFile(datastore, layerId);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var virtualGib = (await img.InfoAsync(parent.File, ct)).VirtualSizeBytes >> 30;
        await WriteWholeAsync(file, partial => img.CreateOverlayAsync(partial, parent.File, sizeGib is { } g && g > virtualGib ? g : null, ct));
        SaveLayer(hostId, new QemuLayerRecord(layerId, file, parentLayerId, Datastore: datastore));
    }

    private async Task ResetLayerAsync(string hostId, string layerId, CancellationToken ct)
    {
        var layer = Layer(hostId, layerId)!;
        var parent = Layer(hostId, layer.ParentLayerId!)!;
        await WriteWholeAsync(layer.File, partial => img.CreateOverlayAsync(partial, parent.File, null, ct));
    }

    /// <summary>
    /// Makes a VM's disk available on another host: the same base there (linked or copied as on the source), and the
    /// VM's own layers over it. A layer on a shared datastore is the same file on both; a local one is copied with
    /// only what differs from the base.
    /// </summary>
    private async Task CopyDiskAsync(DriverOperation op, string fromHost, string fromLayerId, string toHost, string toLayerId, CancellationToken ct, bool refresh = false)
    {
        var chain = Chain(fromHost, fromLayerId);
        var baseLayer = chain[^1];
        if (Layer(toHost, baseLayer.LayerId) is null) await EnsureBaseAsync(toHost, baseLayer.LayerId, baseLayer.Image!, baseLayer.Linked, ct);
        var top = chain[0];
        if (top.Datastore is not null && chain.Length == 2 && fromLayerId == toLayerId)
        {
            SaveLayer(toHost, top);
            return;
        }
        if (!refresh && Layer(toHost, toLayerId) is not null) return;
        var target = Paths.LocalLayerFile(toHost, toLayerId);
        var toBase = Layer(toHost, baseLayer.LayerId)!;
        // The source may be open in its stopped QEMU process: a stopped guest has flushed its writes, and the copy
        // made before switch-over is redone once it is stopped.
        await WriteWholeAsync(target, partial => img.ConvertOverAsync(top.File, toBase.File, partial, ct));
        SaveLayer(toHost, new QemuLayerRecord(toLayerId, target, baseLayer.LayerId));
    }

    /// <summary>
    /// Removes a layer from a host: its record, its link or copies, and its file unless another host knows the same
    /// file (a layer on a shared datastore that migrated there); the file goes with the last host that knows it.
    /// </summary>
    private void ForgetLayer(string hostId, QemuLayerRecord layer)
    {
        var elsewhere = options.Hosts.Any(h => h.Id != hostId && Layer(h.Id, layer.LayerId)?.File == layer.File);
        if (layer.Linked) File.Delete(Paths.LocalLayerFile(hostId, layer.LayerId));
        else if (!elsewhere) File.Delete(layer.File);
        foreach (var boot in new[] { layer.Kernel, layer.Initrd }.OfType<string>().Where(p => p.StartsWith(Paths.Layers(hostId), StringComparison.Ordinal)))
            File.Delete(boot);
        File.Delete(Paths.LayerRecord(hostId, layer.LayerId));
    }

    /// <summary>
    /// A suspended VM's memory file and saved state, copied to another VM's directory (a clone, or the same VM on the
    /// host it migrates to).
    /// </summary>
    private async Task CopySavedStateAsync(string fromHost, QemuVmRecord from, string toHost, string toVmId, CancellationToken ct)
    {
        Directory.CreateDirectory(Paths.Vm(toHost, toVmId));
        await CopyWholeAsync(from.MemoryFile!, Paths.Memory(toHost, toVmId), ct);
        await CopyWholeAsync(Paths.SavedState(fromHost, from.Definition.VmId), Paths.SavedState(toHost, toVmId), ct);
    }

    /// <summary>A copy that keeps holes (memory files and layers are mostly unwritten), made whole before it is in place.</summary>
    private static Task CopyWholeAsync(string source, string target, CancellationToken ct) =>
        WriteWholeAsync(target, partial => ExternalCommand.RunAsync("cp", ["--sparse=always", source, partial], ct));

    /// <summary>Writes a file beside its place and renames it there: a crash or a failed tool never leaves half a file.</summary>
    private static async Task WriteWholeAsync(string path, Func<string, Task> write)
    {
        var partial = path + ".partial";
        File.Delete(partial);
        try
        {
            await write(partial);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
        File.Move(partial, path, overwrite: true);
    }

    private bool OnSharedStorage(string hostId, string layerId) =>
        Chain(hostId, layerId) is var chain && chain.Length == 2 && chain[0].Datastore is not null;

    /// <summary>A layer and its ancestors, top first, down to the base.</summary>
    private QemuLayerRecord[] Chain(string hostId, string layerId)
    {
        var chain = new List<QemuLayerRecord>();
        for (var layer = Layer(hostId, layerId); layer is not null; layer = layer.ParentLayerId is { } p ? Layer(hostId, p) : null)
            chain.Add(layer);
        if (chain.Count == 0) throw new InvalidOperationException($"no disk layer {layerId} on this host");
        return [.. chain];
    }

    private IEnumerable<QemuLayerRecord> LayerRecords(string hostId) =>
        Directory.EnumerateFiles(Paths.Layers(hostId), "*.json").Select(QemuRecordFile.Read<QemuLayerRecord>).OfType<QemuLayerRecord>();

    private IEnumerable<QemuVmRecord> VmRecords(string hostId) =>
        Directory.EnumerateDirectories(Paths.Vms(hostId)).Select(d => QemuRecordFile.Read<QemuVmRecord>(Path.Combine(d, "vm.json"))).OfType<QemuVmRecord>();

    private void SaveLayer(string hostId, QemuLayerRecord layer) => QemuRecordFile.Write(Paths.LayerRecord(hostId, layer.LayerId), layer);

    private void Save(string hostId, QemuVmRecord vm) => QemuRecordFile.Write(Paths.VmRecord(hostId, vm.Definition.VmId), vm);

    // ---- guards ----

    private void ProtectParent(DriverOperation op, string hostId, string vmId)
    {
        var children = VmRecords(hostId).Where(v => v.ForkedFrom == vmId).Select(v => v.Definition.VmId).ToList();
        if (children.Count > 0)
            throw Refuse(op, hostId, $"VM {vmId} is the parent of {children.Count} forked children ({string.Join(", ", children.Take(3))}); remove or promote them first");
    }

    private QemuVmRecord RequireVm(DriverOperation op, string hostId, string vmId) =>
        Vm(hostId, vmId) is { MigratedTo: null, IncomingMigration: null } vm ? vm : throw Refuse(op, hostId, $"no VM {vmId} on this host");

    private static void RequireName(DriverOperation op, string hostId, string name, string what)
    {
        if (!QemuPaths.IsSafeName(name))
            throw Refuse(op, hostId, $"{what} '{name}' is not a plain name (1-64 letters, digits, '.', '_', '-' or '@'); it names files on the host");
    }

    private QemuHostOptions HostOptions(DriverOperation op, string hostId) =>
        hosts.TryGetValue(hostId, out var host) ? host : throw Refuse(op, hostId, $"no such host; this driver has {string.Join(", ", hosts.Keys)}");

    private async Task OnHost(DriverOperation op, string hostId, CancellationToken ct, Func<Task> work)
    {
        HostOptions(op, hostId);
        var turn = hostTurns[hostId];
        await turn.WaitAsync(ct);
        try { await Guard(op, hostId, work); }
        finally { turn.Release(); }
    }

    private async Task OnHosts(DriverOperation op, string firstHost, string secondHost, CancellationToken ct, Func<Task> work)
    {
        if (firstHost == secondHost) { await OnHost(op, firstHost, ct, work); return; }
        HostOptions(op, firstHost);
        HostOptions(op, secondHost);
        // Always taken in the same order, so two migrations in opposite directions cannot deadlock.
        var ordered = new[] { firstHost, secondHost }.Order(StringComparer.Ordinal).Select(h => hostTurns[h]).ToArray();
        await ordered[0].WaitAsync(ct);
        try
        {
            await ordered[1].WaitAsync(ct);
            try { await Guard(op, firstHost, work); }
            finally { ordered[1].Release(); }
        }
        finally { ordered[0].Release(); }
    }

    /// <summary>Everything a host tool or QEMU throws leaves as a <see cref="HypervisorException"/> naming the operation.</summary>
    private static async Task Guard(DriverOperation op, string hostId, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or QmpException or UnauthorizedAccessException or JsonException)
        {
            throw new HypervisorException(op, hostId, e.Message, e);
        }
    }

    private static HypervisorException Refuse(DriverOperation op, string hostId, string reason) => new(op, hostId, reason);

    /// <summary>exec: migration URIs go through /bin/sh; paths are quoted for it.</summary>
    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every QEMU process of this driver's root that runs now, found by the pid files its VMs' starts wrote.</summary>
    public IReadOnlyList<int> RunningProcessIds() =>
        Directory.EnumerateFiles(Paths.Root, "*.pid", SearchOption.AllDirectories)
            .Select(QemuVmProcess.RunningPid).OfType<int>()
            .Where(pid => QemuVmProcess.CommandLineMentions(pid, Paths.Root))
            .ToList();

    /// <summary>
    /// Kills every QEMU process of this driver's root at once: for tearing down a test fleet or a load run. Not a way
    /// to power VMs off: their records stay as they were.
    /// </summary>
    public async Task KillAllAsync()
    {
        await DisposeAsync();
        foreach (var pid in RunningProcessIds()) QemuVmProcess.Kill(pid);
    }

    /// <summary>Disconnects from the VMs' processes; the VMs keep running, as they would across a node restart.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes.Values) await process.DisposeAsync();
        processes.Clear();
    }
}
