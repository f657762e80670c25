using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>
/// A host as the fleet view last saw it: capacity bookkeeping from its ledger plus what monitoring measured.
/// Placement decides on snapshots; the host's own ledger has the last word when the reservation is made.
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
    DateTimeOffset ObservedAt)
{
    public Resources Free => Capacity - Reserved - Allocated;
}
