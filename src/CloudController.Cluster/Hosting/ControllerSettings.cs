using Akka.Configuration;
using CloudController.Cluster.Access;
using CloudController.Cluster.Audit;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Metering;
using CloudController.Cluster.Pools;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.Storage;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// The controller's own settings, one record per concern, read from the <c>cloudcontroller</c> section of the HOCON
/// configuration over the embedded reference.conf, which holds every default (and is the only place that does).
/// </summary>
public sealed record ControllerSettings(
    EntitySettings Entities,
    FleetSettings Fleet,
    ProvisioningSettings Provisioning,
    PoolSettings Pools,
    RebalancingSettings Rebalancing,
    StorageSettings Storage,
    UsageSettings Usage,
    KeyPoolSettings KeyPool,
    AccessSettings Access,
    AuditSettings Audit)
{
    public static ControllerSettings FromConfig(Config config)
    {
        var c = new SettingsSection(
            config.WithFallback(AkkaControllerExtensions.ReferenceConfig).GetConfig("cloudcontroller"), "cloudcontroller");
        // The node's own configuration always names it; tests that build settings alone keep their files in temp.
        var dataDir = config.GetString("cloudcontroller.data-dir", "") is { Length: > 0 } dir ? dir : Path.GetTempPath();
        var keyPool = KeyPoolSettings.FromConfig(c.Section("key-pool"), dataDir);
        return new ControllerSettings(
            EntitySettings.FromConfig(c),
            FleetSettings.FromConfig(c.Section("fleet")),
            ProvisioningSettings.FromConfig(c.Section("provisioning"), dataDir),
            PoolSettings.FromConfig(c.Section("pools")),
            RebalancingSettings.FromConfig(c.Section("rebalancing")),
            StorageSettings.FromConfig(c.Section("storage")),
            UsageSettings.FromConfig(c.Section("usage")),
            keyPool,
            AccessSettings.FromConfig(c.Section("access"), keyPool.SecretsDirectory),
            AuditSettings.FromConfig(c.Section("audit")));
    }
}
