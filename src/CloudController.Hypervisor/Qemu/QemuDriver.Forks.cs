namespace CloudController.Hypervisor.Qemu;

/// <summary>Forks and clones: children resumed from a suspended parent's memory, clones of a suspended VM, promotion of a child to a VM of its own.</summary>
public sealed partial class QemuDriver
{
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
            // A clone resumes the source's memory: a generation of its own tells its guest so.
            Save(targetHostId, new QemuVmRecord(clone)
            {
                MemoryFile = Paths.Memory(targetHostId, clone.VmId), Apps = source.Apps, Customizations = source.Customizations, SavedBeforeReady = source.SavedBeforeReady,
                GenerationId = source.GenerationId is null ? null : Guid.NewGuid(),
            });
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
                // Two children of one parent would otherwise draw the same random numbers until their kernels reseed.
                GenerationId = parent.GenerationId is null ? null : Guid.NewGuid(),
                Data = forkOptions.Data,
                Apps = parent.Apps,
                Customizations = parent.Customizations,
            };
            Save(hostId, record);
            if (forkOptions.PowerOn) await StartForkedAsync(op, hostId, record, parentVmId, ct);
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
                await RequireBackedByAsync(op, hostId, vm, layer, baseLayer, ct);
                // Its memory moves into a new process over a file of its own; the parent's file is no longer mapped.
                var promoted = vm with { ForkedFrom = null, Persistent = true, MemoryFile = Paths.Memory(hostId, vmId) };
                await MoveProcessAsync(op, hostId, process, promoted, hostId, sourceRuns: true, mirrorSync: null, ct);
                Save(hostId, promoted);
            }
            else
            {
                await WriteWholeAsync(layer.File, partial => img.ConvertOverAsync(layer.File, baseLayer.File, partial, ct));
                await RequireBackedByAsync(op, hostId, vm, layer, baseLayer, ct);
                Save(hostId, vm with { ForkedFrom = null, Persistent = true, MemoryFile = Paths.Memory(hostId, vmId) });
            }
            SaveLayer(hostId, layer with { ParentLayerId = baseLayer.LayerId });
        });

    /// <summary>A promoted disk is recorded over the base only once its file says so: a stream that did not finish left the parent under it.</summary>
    private async Task RequireBackedByAsync(DriverOperation op, string hostId, QemuVmRecord vm, QemuLayerRecord layer, QemuLayerRecord baseLayer, CancellationToken ct)
    {
        var backing = (await img.InfoAsync(layer.File, ct)).BackingFile;
        if (backing != baseLayer.File)
            throw Refuse(op, hostId, $"promoting VM {vm.Definition.VmId}: its disk is backed by {backing ?? "nothing"}, not the base {baseLayer.File}; it stays a child of {vm.ForkedFrom}");
    }

    /// <summary>A forked child starts from its parent's saved state over a private mapping of its parent's memory.</summary>
    private async Task StartForkedAsync(DriverOperation op, string hostId, QemuVmRecord child, string parentVmId, CancellationToken ct)
    {
        var parent = Vm(hostId, parentVmId) ?? throw Refuse(op, hostId, $"parent {parentVmId} of {child.Definition.VmId} is gone");
        await StartFromStateAsync(op, hostId, child, Paths.SavedState(hostId, parentVmId), parent.MemoryFile!, memoryShared: false, !parent.SavedBeforeReady, ct);
    }
}
