using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Fleet;

/// <summary>When the fleet balancer moves VMs off busy hosts: <c>rebalancing.*</c>.</summary>
/// <param name="MemoryThreshold">A host above this fraction of its memory is busy.</param>
/// <param name="CpuThreshold">A host above this fraction of its vCPUs is busy.</param>
/// <param name="Interval">How often the balancer looks; zero: only when an operator asks.</param>
/// <param name="MaxMoves">Moves in one pass at most.</param>
public sealed record RebalancingSettings(double MemoryThreshold, double CpuThreshold, TimeSpan Interval, int MaxMoves)
{
    public static RebalancingSettings FromConfig(SettingsSection rebalancing) => new(
        rebalancing.Fraction("memory-threshold"),
        rebalancing.Fraction("cpu-threshold"),
        rebalancing.Duration("interval"),
        rebalancing.Positive("max-moves"));
}
