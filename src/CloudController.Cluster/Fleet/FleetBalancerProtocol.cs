using System.Collections.Immutable;
using CloudController.Domain.Placement;

namespace CloudController.Cluster.Fleet;

/// <summary>The messages of the <see cref="FleetBalancer"/> cluster singleton.</summary>
public static class FleetBalancerProtocol
{
    /// <summary>Plans migrations off hot hosts and, unless a dry run, starts them.</summary>
    public sealed record Rebalance(double MemoryThreshold, double CpuThreshold, bool DryRun) : IClusterMessage;

    /// <param name="TaskIds">VM id to the task migrating it; empty on a dry run.</param>
    public sealed record Rebalanced(ImmutableArray<PlannedMove> Moves, ImmutableDictionary<string, string> TaskIds) : IClusterMessage;
}
