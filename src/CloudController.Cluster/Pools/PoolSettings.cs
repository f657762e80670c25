using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Pools;

/// <summary>How pools of forked children grow and are kept: <c>pools.*</c>.</summary>
/// <param name="BatchSize">Children a pool forks (or removes) per journaled batch: bigger batches, fewer journal writes.</param>
/// <param name="ForkConcurrency">Forks in flight at once across a batch's hosts.</param>
/// <param name="ReconcileInterval">How often a pool looks at the fleet when it has nothing to do.</param>
/// <param name="SnapshotEvery">Pool events between snapshots of its state (all its children).</param>
/// <param name="ChildDiskGib">Disk a fresh child's copy-on-write layer takes on its host before it writes.</param>
public sealed record PoolSettings(int BatchSize, int ForkConcurrency, TimeSpan ReconcileInterval, int SnapshotEvery, long ChildDiskGib)
{
    public static PoolSettings FromConfig(SettingsSection pools) => new(
        pools.Positive("batch-size"),
        pools.Positive("fork-concurrency"),
        pools.PositiveDuration("reconcile-interval", "1s"),
        pools.Positive("snapshot-every"),
        pools.Positive("child-disk-gib"));
}
