using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>
/// A host as the fleet view last saw it: capacity bookkeeping from its ledger plus what monitoring measured.
/// Placement decides on snapshots; the host's own ledger has the last word when the reservation is made.
/// Groups are the VM groups with a VM (or a reservation) on the host; cached images, the base images it holds.
/// Capacity is what may be handed out: its cores are the physical ones times <paramref name="CpuAllocationRatio"/>.
/// </summary>
public sealed record HostSnapshot(
    string HostId,
    HostState State,
    string HardwareClass,
    ImmutableArray<string> CpuFlags,
    Resources Capacity,
    Resources Reserved,
    Resources Allocated,
    int VmCount,
    int ReservationCount,
    double CpuLoad,
    DateTimeOffset ObservedAt,
    ImmutableHashSet<string>? Groups = null,
    ImmutableHashSet<string>? CachedImages = null,
    double CpuAllocationRatio = 1,
    HostDrift? Drift = null)
{

    public Resources Free => Capacity - Reserved - Allocated;
}
