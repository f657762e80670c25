using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using CloudController.Cluster.Serialization;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// Registers the controller with an Akka.Hosting actor system, one <c>WithX</c> per concern (each in its own file, with
/// the settings record it reads). Order matters: a concern's factories look up, in the registry, the actors of the
/// concerns registered before it.
/// </summary>
public static partial class AkkaControllerExtensions
{
    /// <summary>The cluster layer's defaults (every controller setting, serializer bindings), lowest in priority.</summary>
    public static Config ReferenceConfig { get; } = LoadReferenceConfig();

    /// <summary>The whole controller: its defaults, then every concern in dependency order.</summary>
    public static AkkaConfigurationBuilder WithCloudController(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, SoftwareCatalogSettings software,
        ControllerSecrets secrets)
    {
        builder.AddHocon(ReferenceConfig, HoconAddMode.Append);
        builder.AddSetup(new StorageSealing(secrets.Storage));
        return builder
            .WithFleet(driver, settings, secrets)
            .WithCatalog(settings, software)
            .WithVms(driver, settings, secrets)
            .WithQuotas(settings)
            .WithKeyPool(settings, secrets)
            .WithProvisioning(driver, settings, secrets)
            .WithAccess(settings)
            .WithPools(driver, settings, secrets)
            .WithRebalancing(settings)
            .WithUsageMetering(settings)
            .WithAudit(settings);
    }

    /// <summary>Entities that must come back after a rebalance or a restart by themselves (hosts, tasks, pools...).</summary>
    private static ShardOptions Remembered => new()
    {
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
        StateStoreMode = StateStoreMode.DData,
    };

    /// <summary>Entities woken by a message and put to sleep when idle (models, VMs, quotas...).</summary>
    private static ShardOptions Passivating(ControllerSettings settings) => new()
    {
        StateStoreMode = StateStoreMode.DData,
        PassivateIdleEntityAfter = settings.Entities.PassivateIdleAfter,
    };

    private static Config LoadReferenceConfig()
    {
        using var stream = typeof(AkkaControllerExtensions).Assembly
            .GetManifestResourceStream("CloudController.Cluster.Hosting.reference.conf")
            ?? throw new InvalidOperationException("The cluster layer's reference.conf is not embedded.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
