using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Cluster.Fleet;

/// <summary>The messages of the node-local <see cref="FleetView"/>. They never leave the node.</summary>
public static class FleetViewProtocol
{
    public sealed record Place(PlacementRequest Request);

    public sealed record ListHosts;

    /// <summary>Hosts best-known state, sorted by id.</summary>
    public sealed record Hosts(IReadOnlyList<HostSnapshot> Snapshots);
}
