using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Cluster.Fleet;

/// <summary>The messages of the node-local <see cref="FleetView"/>. They never leave the node.</summary>
public static class FleetViewProtocol
{
    /// <param name="MaxCandidates">How many of the fitting hosts to return, best first: all of them when one is to be picked out.</param>
    public sealed record Place(PlacementRequest Request, int MaxCandidates = 5);

    /// <summary>Places a VM whose memory may shrink from the request's down to <paramref name="MinimumMemoryMib"/>.</summary>
    public sealed record PlaceFlexibly(PlacementRequest Request, long MinimumMemoryMib);

    /// <summary>The decision, and the memory the chosen host can give (the request's when it fits).</summary>
    public sealed record FlexiblePlacement(PlacementDecision Decision, long GrantedMemoryMib);

    public sealed record ListHosts;

    /// <summary>Hosts best-known state, sorted by id.</summary>
    public sealed record Hosts(IReadOnlyList<HostSnapshot> Snapshots);
}
