using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Storage;

/// <summary>How the storage allocation table is kept: <c>storage.*</c>.</summary>
/// <param name="RebalanceInterval">How often allocations are moved towards their targets; zero: never on a timer.</param>
public sealed record StorageSettings(TimeSpan RebalanceInterval)
{
    public static StorageSettings FromConfig(SettingsSection storage) => new(storage.Duration("rebalance-interval"));
}
