using CloudController.Domain.Catalog;
using CloudController.Hypervisor.Images;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Disks: qcow2 layers and their chains, copies between hosts, checkpoints, and files written whole.</summary>
public sealed partial class QemuDriver
{
    public async Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.EnsureBaseLayer;
        HostOptions(op, hostId);
        RequireName(op, hostId, spec.Image, "image");
        // Fetched before the host's turn is taken: a download of gigabytes must not hold up every other operation on
        // the host. The store fetches each image once, however many layers on however many hosts wait for it.
        if (spec.Source is { } fetchFrom && !File.Exists(Images.ImageFile(spec.Image)))
            await Guard(op, hostId, () => FetchImageAsync(hostId, spec.Image, fetchFrom, ct));
        await OnHost(op, hostId, ct, () => EnsureBaseAsync(hostId, spec.LayerId, spec.Image, spec.Shared, ct));
    }

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
    /// Makes a migrating VM's disk a place on the target: the same base there, and over it the shared layer itself
    /// or, for a local one, an empty layer of the same size that a mirror or a copy fills at switch-over
    /// (<paramref name="fresh"/>: made again, so a mirror never lands on an earlier attempt's blocks).
    /// </summary>
    private async Task PlaceDiskAsync(string fromHost, string layerId, string toHost, CancellationToken ct, bool fresh = false)
    {
        var offer = await OfferDiskAsync(fromHost, layerId, ct);
        await PlaceDiskAsync(toHost, layerId, offer.BaseLayerId, offer.Image, offer.SharedBase, offer.Datastore, offer.DiskBytes, ct, fresh);
    }

    /// <summary>What a target needs to place a VM's disk: its base, the shared datastore of its own layer, its size.</summary>
    private async Task<MigrationOffer> OfferDiskAsync(string hostId, string layerId, CancellationToken ct)
    {
        var chain = Chain(hostId, layerId);
        var baseLayer = chain[^1];
        var size = (await img.InfoAsync(chain[0].File, ct)).VirtualSizeBytes;
        return new MigrationOffer("", baseLayer.LayerId, baseLayer.Image!, baseLayer.Linked, chain.Length == 2 ? chain[0].Datastore : null, size);
    }

    /// <param name="datastore">The shared datastore the layer is on, the same file for the target; null: a local layer.</param>
    private async Task PlaceDiskAsync(string toHost, string layerId, string baseLayerId, string image, bool sharedBase, string? datastore,
        long diskBytes, CancellationToken ct, bool fresh = false)
    {
        const DriverOperation op = DriverOperation.PrepareMigration;
        await EnsureBaseAsync(toHost, baseLayerId, image, sharedBase, ct);
        if (datastore is not null)
        {
            RequireName(op, toHost, datastore, "datastore");
            var file = Paths.DatastoreLayerFile(datastore, layerId);
            if (!File.Exists(file))
                throw Refuse(op, toHost, $"layer {layerId} is not in datastore {datastore} here ({file}): mount the same shared datastore on both machines");
            SaveLayer(toHost, new QemuLayerRecord(layerId, file, baseLayerId, Datastore: datastore));
            return;
        }
        if (!fresh && Layer(toHost, layerId) is not null) return;
        var toBase = Layer(toHost, baseLayerId)!;
        var size = diskBytes;
        var baseSize = (await img.InfoAsync(toBase.File, ct)).VirtualSizeBytes;
        var target = Paths.LocalLayerFile(toHost, layerId);
        await WriteWholeAsync(target, partial => img.CreateOverlayAsync(partial, toBase.File, size > baseSize ? size >> 30 : null, ct));
        SaveLayer(toHost, new QemuLayerRecord(layerId, target, baseLayerId));
    }

    /// <summary>
    /// What a disk's mirror copies: its own layer when that lies right over the base (the target has the same base),
    /// else the whole chain, which the target's single layer then holds.
    /// </summary>
    private string MirrorSync(string hostId, string layerId) => Chain(hostId, layerId).Length == 2 ? "top" : "full";

    /// <summary>
    /// Removes a layer from a host: its record, its link or copies, and its file unless another host knows the same
    /// file (a layer on a shared datastore that migrated there); the file goes with the last host that knows it.
    /// </summary>
    /// <param name="keptElsewhere">Another machine knows the layer's file (a shared layer migrated to or from it).</param>
    private void ForgetLayer(string hostId, QemuLayerRecord layer, bool keptElsewhere = false)
    {
        var elsewhere = keptElsewhere || options.Hosts.Any(h => h.Id != hostId && Layer(h.Id, layer.LayerId)?.File == layer.File);
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

    /// <summary>
    /// Fetches a base image this machine lacks into its images directory, checked against the digest given; the
    /// store fetches each image once however many layers wait for it, and keeps nothing that failed its check.
    /// </summary>
    private async Task FetchImageAsync(string hostId, string image, ImageSource source, CancellationToken ct)
    {
        try
        {
            await Images.ImportAsync(image, source, ct);
        }
        catch (ImageImportException e)
        {
            throw Refuse(DriverOperation.EnsureBaseLayer, hostId, $"image '{image}' could not be fetched to this host: {e.Error}");
        }
    }
}
