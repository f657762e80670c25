using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.Access;
using CloudController.Cluster.Audit;
using CloudController.Cluster.Metering;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>Users, roles and tokens: a remembered registry entity. Reads <see cref="AccessSettings"/> (<c>access.*</c>).</summary>
    public static AkkaConfigurationBuilder WithAccess(this AkkaConfigurationBuilder builder, ControllerSettings settings) =>
        builder.WithShardRegion<ControllerActorKeys.AccessRegistries>(
            "access",
            (_, _) => AccessRegistryActor.Props,
            new EntityMessageExtractor<AccessProtocol.IAccessCommand>(settings.Entities.ShardCount),
            Remembered);

    /// <summary>
    /// The usage meter, a cluster singleton sampling what each owner runs. Reads <see cref="UsageSettings"/>
    /// (<c>usage.*</c>); needs the VM and pool directories, the pools and the replica maps.
    /// </summary>
    public static AkkaConfigurationBuilder WithUsageMetering(this AkkaConfigurationBuilder builder, ControllerSettings settings) =>
        builder.WithSingleton<ControllerActorKeys.UsageMeter>(
            "usage-meter",
            (_, registry, _) => UsageMeterActor.Props(
                new UsageObserver(
                    registry.Get<ControllerActorKeys.VmDirectory>(), registry.Get<ControllerActorKeys.PoolDirectory>(),
                    registry.Get<ControllerActorKeys.Pools>(), registry.Get<ControllerActorKeys.ReplicaMaps>(), settings.Entities.AskTimeout),
                settings),
            new ClusterSingletonOptions());

    /// <summary>The audit trail, a cluster singleton. Reads <see cref="AuditSettings"/> (<c>audit.*</c>).</summary>
    public static AkkaConfigurationBuilder WithAudit(this AkkaConfigurationBuilder builder, ControllerSettings settings) =>
        builder.WithSingleton<ControllerActorKeys.AuditTrail>(
            "audit-trail",
            (_, _, _) => AuditTrailActor.Props(settings.Audit),
            new ClusterSingletonOptions());
}
