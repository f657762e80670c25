using System.Text.Json;
using CloudController.Hypervisor.CloudInit;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Power: registering VMs, powering them on and off, suspend and resume, and what is sent to a running guest.</summary>
public sealed partial class QemuDriver
{
    public Task RegisterVmAsync(string hostId, VmDefinition vm, CancellationToken ct) =>
        OnHost(DriverOperation.RegisterVm, hostId, ct, () =>
        {
            const DriverOperation op = DriverOperation.RegisterVm;
            RequireName(op, hostId, vm.VmId, "VM id");
            if (Vm(hostId, vm.VmId) is { } existing)
                return existing.Definition == vm ? Task.CompletedTask : throw Refuse(op, hostId, $"VM {vm.VmId} exists with another definition");
            if (Layer(hostId, vm.DiskLayerId) is null) throw Refuse(op, hostId, $"no disk layer {vm.DiskLayerId} on this host");
            Save(hostId, new QemuVmRecord(vm) { MemoryFile = Paths.Memory(hostId, vm.VmId), GenerationId = Guid.NewGuid() });
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
            if (vm is { ForkedFrom: { } parent, Diverged: false }) await StartForkedAsync(op, hostId, vm, parent, ct);
            else await BootAsync(op, hostId, vm, ct);
        });

    public Task PowerOffAsync(string hostId, string vmId, CancellationToken ct) =>
        OnHost(DriverOperation.PowerOff, hostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.PowerOff;
            // Already gone is powered off: a rollback may power off a VM whose registration never happened.
            if (Vm(hostId, vmId) is not { } vm) return;
            ProtectParent(op, hostId, vmId);
            await StopProcessAsync(hostId, vmId, ct);
            // A process that ended on its own left its seed behind.
            File.Delete(Paths.Seed(hostId, vmId, vm.Launch));
            File.Delete(Paths.SavedState(hostId, vmId));
            if (vm.MemoryFile == Paths.Memory(hostId, vmId)) File.Delete(Paths.Memory(hostId, vmId));
            // A non-persistent child goes back to the forked state: a fresh layer over its parent's.
            if (vm is { ForkedFrom: not null, Persistent: false })
                await ResetLayerAsync(hostId, vm.Definition.DiskLayerId, ct);
            // A persistent child keeps what it wrote, which its parent's memory does not know: it boots next time.
            else if (vm is { ForkedFrom: not null, Persistent: true, Diverged: false })
                Save(hostId, Vm(hostId, vmId)! with { Diverged = true });
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
            await WaitWhileStartingAsync(process, ct);
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
            Save(hostId, vm with { MemoryFile = Paths.Memory(hostId, vmId), SavedBeforeReady = !process.Listening });
        });

    /// <summary>
    /// A guest still in its start-up window is let finish starting (its daemon saying ready) before it is saved, so
    /// what resumes from the state (above all a fork parent's children) resumes a listening guest instead of each
    /// repeating its start-up. A guest without a daemon never says ready: it is saved when the window ends.
    /// </summary>
    private async Task WaitWhileStartingAsync(QemuVmProcess process, CancellationToken ct)
    {
        var left = process.StartedAt + options.GuestStartTimeout - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) return;
        try
        {
            await process.WaitForListeningAsync(left, ct);
        }
        catch (IOException)
        {
        }
    }

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
            await StartFromStateAsync(op, hostId, vm, Paths.SavedState(hostId, vmId), vm.MemoryFile!, memoryShared: true, !vm.SavedBeforeReady, ct);
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
            // A VM that does not run gets a seed of this data when it starts. A listening guest gets it on its channel;
            // one not listening gets it when it says ready, and its seed is rewritten in place for cloud-init's next
            // boot (unlinked again if its guest said ready meanwhile).
            if (PowerState(hostId, vm) != VmPowerState.Running || await ProcessOf(hostId, vmId, ct) is not { } process) return;
            if (process.Listening)
            {
                await process.SendDataAsync(data, ct);
                return;
            }
            await WriteSeedAsync(hostId, vm, process.Launch, ct);
            if (process.Listening) process.ForgetSeed();
        });
}
