namespace CloudController.Domain.Disks;

/// <summary>
/// One layer of a layered disk: a read-only base made from an image, or a copy-on-write layer (a REDO log) over a
/// parent. Reads fall through to the parent; only the outermost layer of a VM's chain is written.
/// </summary>
/// <param name="VirtualSizeGib">The size the guest sees.</param>
/// <param name="AllocatedGib">What the layer takes on its datastore: a base its whole size, a fresh copy-on-write
/// layer only its initial allocation (it grows as the guest writes, which the model does not follow).</param>
/// <param name="Datastore">The datastore the layer is on, when it was put on a named one (a storage pool's).</param>
public sealed record DiskLayer(string LayerId, string? ParentLayerId, string? Image, long VirtualSizeGib, long AllocatedGib, string? Datastore = null)
{
    public bool IsBase => ParentLayerId is null;
}
