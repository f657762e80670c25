namespace CloudController.Cluster.Hosting;

/// <summary>How the controller's sharded entities run: <c>cluster.*</c> and <c>persistence.snapshot-every</c>.</summary>
/// <param name="ShardCount">Shards per entity type; fixed for the cluster's life (entities are placed by it).</param>
/// <param name="AskTimeout">How long one entity waits for another's answer before it treats it as not answering.</param>
/// <param name="PassivateIdleAfter">How long an entity that is not remembered stays in memory without a message.</param>
/// <param name="SnapshotEvery">Events between snapshots of an entity's state.</param>
public sealed record EntitySettings(int ShardCount, TimeSpan AskTimeout, TimeSpan PassivateIdleAfter, int SnapshotEvery)
{
    public static EntitySettings FromConfig(SettingsSection cloudcontroller)
    {
        var cluster = cloudcontroller.Section("cluster");
        return new EntitySettings(
            cluster.Positive("shard-count"),
            cluster.PositiveDuration("ask-timeout", "10s"),
            cluster.PositiveDuration("passivate-idle-after", "2m"),
            cloudcontroller.Section("persistence").Positive("snapshot-every"));
    }
}
