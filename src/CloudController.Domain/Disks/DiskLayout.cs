namespace CloudController.Domain.Disks;

/// <summary>How a clone's disk chain gets onto the host that runs it.</summary>
public enum DiskLayout
{
    /// <summary>Every inner layer is shared in place on shared storage; only the new top layer is written. Fastest.</summary>
    SharedInnerLayers,
    /// <summary>The whole chain is copied (flattened) to the host: no shared storage needed, slowest.</summary>
    FullCopy,
    /// <summary>The chain is copied to a host once and shared there by every later clone on that host.</summary>
    PerHostCache,
}
