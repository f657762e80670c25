using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.Pools;
using CloudController.Cluster.ReadModels;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>
    /// Instant clone: a replica map per template (its parents, one per host) and pools of forked children, both
    /// remembered, and the node-local pool directory. Reads <see cref="PoolSettings"/> (<c>pools.*</c>); needs the
    /// fleet and the key pool.
    /// </summary>
    public static AkkaConfigurationBuilder WithPools(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, ControllerSecrets secrets) =>
        builder
            .WithShardRegion<ControllerActorKeys.ReplicaMaps>(
                "replica-map",
                (_, registry) =>
                {
                    var replicas = new ReplicaBuilder(driver, registry.Get<ControllerActorKeys.Hosts>(), settings);
                    return template => ReplicaMapActor.Props(template, replicas, settings);
                },
                new EntityMessageExtractor<ReplicaMapProtocol.IReplicaMapCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithShardRegion<ControllerActorKeys.Pools>(
                "pool",
                (_, registry) =>
                {
                    var lifecycle = new ChildLifecycle(
                        driver, registry.Get<ControllerActorKeys.Hosts>(), registry.Get<ControllerActorKeys.ReplicaMaps>(),
                        registry.Get<ControllerActorKeys.KeyPools>(), secrets.Authority.PublicKey, settings);
                    return pool => ChildPoolActor.Props(
                        pool, lifecycle, registry.Get<ControllerActorKeys.FleetView>(), registry.Get<ControllerActorKeys.ReplicaMaps>(),
                        registry.Get<ControllerActorKeys.KeyPools>(), settings);
                },
                new EntityMessageExtractor<ChildPoolProtocol.IChildPoolCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithActors((system, registry) =>
                registry.Register<ControllerActorKeys.PoolDirectory>(
                    system.ActorOf(ProjectionActor<PoolDirectory>.Props(new PoolDirectory()), "pool-directory")));
}
