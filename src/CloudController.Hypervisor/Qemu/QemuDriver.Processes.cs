using System.Collections.Immutable;
using CloudController.Hypervisor.CloudInit;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Processes: starting QEMU for a boot or from saved state, waiting for a guest's first sign of life, finding and stopping a VM's process.</summary>
public sealed partial class QemuDriver
{
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

    private async Task StartFromStateAsync(DriverOperation op, string hostId, QemuVmRecord vm, string state, string memoryFile, bool memoryShared, bool listening, CancellationToken ct)
    {
        var process = await LaunchAsync(op, hostId, vm, memoryFile, memoryShared, incoming: true, ct);
        try
        {
            await process.Qmp.IgnoreSharedMemoryAsync(true, ct);
            await process.Qmp.MigrateIncomingAsync($"exec:cat {Quote(state)}", ct);
            await process.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
            // The state was saved from a stopped guest, so QEMU leaves it paused; it runs from here, without booting,
            // and its daemon, if it was listening already, is told its own data (a fork's identity) at once; one not
            // yet listening is told when it says ready.
            await process.Qmp.ContinueAsync(ct);
            if (listening)
            {
                process.ResumedListening();
                if (vm.Data is { } data) await process.SendDataAsync(data, ct);
            }
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
        await WriteSeedAsync(hostId, vm, launch, ct);
        var spec = new QemuLaunch(vmId, vm.Definition.Hardware.CpuCores, vm.Definition.Hardware.MemoryMib, memoryFile, memoryShared,
            chain[0].File, boot, Paths.Console(hostId, vmId), Paths.Channel(hostId, vmId, launch), Paths.Qmp(hostId, vmId, launch),
            Paths.PidFile(hostId, vmId, launch), incoming, Accelerator, Paths.Seed(hostId, vmId, launch), VmMac.Of(vm.Definition), vm.GenerationId,
            chain is [{ Datastore: not null }, var under] ? under.File : null);
        try
        {
            return await QemuVmProcess.StartAsync(options.QemuProgram, spec, launch, Paths.ProcessLog(hostId, vmId), options.StartTimeout,
                process => SendCurrentDataAsync(hostId, vmId, process), ct);
        }
        catch (InvalidOperationException e)
        {
            File.Delete(Paths.Seed(hostId, vmId, launch));
            throw Refuse(op, hostId, $"VM {vmId}: {e.Message}");
        }
    }

    /// <summary>
    /// The VM's cloud-init seed as its record has it now, for one start of its process: written before every start
    /// (so a fork, a clone or a migrated VM has its own) and on a change of its data while its guest does not listen.
    /// </summary>
    private Task WriteSeedAsync(string hostId, QemuVmRecord vm, int launch, CancellationToken ct)
    {
        IReadOnlyDictionary<string, string> data = vm.Data?.Values ?? ImmutableSortedDictionary<string, string>.Empty;
        var seed = NoCloudSeed.Render(vm.SeedInstance ?? vm.Definition.VmId, vm.Definition.Hostname, VmMac.Of(vm.Definition), data, Sha512Crypt.Hash);
        return NoCloudSeedDisk.WriteAsync(Paths.Seed(hostId, vm.Definition.VmId, launch), seed, ct);
    }

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
            Paths.Channel(hostId, vmId, vm.Launch), Paths.Seed(hostId, vmId, vm.Launch), vm.Launch, process => SendCurrentDataAsync(hostId, vmId, process), ct);
        if (attached is null) return null;
        // Its guest said it listens to the process this driver's earlier run started, not to this one: new data goes
        // out at once instead of waiting for a "ready" that will not come again (a guest still booting says it anyway).
        attached.ResumedListening();
        processes[(hostId, vmId)] = attached;
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

    /// <summary>exec: migration URIs go through /bin/sh; paths are quoted for it.</summary>
    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
}
