using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosts;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.Access;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Metering;
using CloudController.Cluster.Networks;
using CloudController.Cluster.Pools;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.Storage;
using CloudController.Cluster.ReadModels;
using CloudController.Cluster.Vms;
using CloudController.Domain.Placement;
using CloudController.Cluster.Serialization;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;

namespace CloudController.Cluster.Hosting;

/// <summary>Registers the controller's sharded entities and node-local actors with an Akka.Hosting actor system.</summary>
public static class AkkaControllerExtensions
{
    /// <summary>The cluster layer's defaults (serializer bindings, controller settings), lowest in priority.</summary>
    public static Config ReferenceConfig { get; } = LoadReferenceConfig();

    public static AkkaConfigurationBuilder WithCloudController(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, SoftwareCatalogSettings software,
        ControllerSecrets secrets)
    {
        builder.AddHocon(ReferenceConfig, HoconAddMode.Append);
        builder.AddSetup(new StorageSealing(secrets.Storage));

        var remembered = new ShardOptions
        {
            RememberEntities = true,
            RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
            StateStoreMode = StateStoreMode.DData,
        };
        var passivating = new ShardOptions
        {
            StateStoreMode = StateStoreMode.DData,
            PassivateIdleEntityAfter = TimeSpan.FromMinutes(2),
        };

        builder
            .WithActors((system, registry) =>
                registry.Register<ControllerRegions.FleetView>(
                    system.ActorOf(FleetView.Props(PlacementPolicy.Default), "fleet-view")))
            .WithShardRegion<ControllerRegions.Hosts>(
                "host",
                (_, _) => hostId => HostActor.Props(hostId, driver, settings),
                new EntityMessageExtractor<HostProtocol.IHostCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.Models>(
                "model",
                (_, _) => ModelVmActor.Props,
                new EntityMessageExtractor<ModelVmProtocol.IModelVmCommand>(settings.ShardCount),
                passivating)
            .WithShardRegion<ControllerRegions.InstantImages>(
                "instant-image",
                (_, _) => InstantImageActor.Props,
                new EntityMessageExtractor<InstantImageProtocol.IInstantImageCommand>(settings.ShardCount),
                passivating)
            .WithShardRegion<ControllerRegions.SoftwareEntries>(
                "software-entry",
                (_, _) => SoftwareEntryActor.Props,
                new EntityMessageExtractor<SoftwareEntryProtocol.ISoftwareEntryCommand>(settings.ShardCount),
                passivating)
            .WithShardRegion<ControllerRegions.Vms>(
                "vm",
                (_, _) =>
                {
                    var channel = new GuestChannel(driver, secrets);
                    return vmId => VmActor.Props(vmId, channel);
                },
                new EntityMessageExtractor<VmProtocol.IVmCommand>(settings.ShardCount),
                passivating)
            .WithShardRegion<ControllerRegions.StorageAllocations>(
                "storage-allocations",
                (_, _) => _ => StorageAllocationActor.Props(driver, settings),
                new EntityMessageExtractor<StorageProtocol.IStorageCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.Quotas>(
                "quota",
                (_, _) => Quotas.QuotaActor.Props,
                new EntityMessageExtractor<Quotas.QuotaProtocol.IQuotaCommand>(settings.ShardCount),
                passivating)
            // Before the tasks, which revoke the tokens of the VMs they delete.
            .WithShardRegion<ControllerRegions.KeyPools>(
                "key-pool",
                (_, _) => name => KeyPoolActor.Props(name, secrets, settings.KeyPool),
                new EntityMessageExtractor<KeyPoolProtocol.IKeyPoolCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.Tasks>(
                "task",
                (_, registry) =>
                {
                    var runner = new TaskStepRunner(
                        driver,
                        new GuestChannel(driver, secrets),
                        registry.Get<ControllerRegions.Hosts>(),
                        registry.Get<ControllerRegions.Vms>(),
                        registry.Get<ControllerRegions.FleetView>(),
                        registry.Get<ControllerRegions.StorageAllocations>(),
                        registry.Get<ControllerRegions.KeyPools>(),
                        settings);
                    var quotas = registry.Get<ControllerRegions.Quotas>();
                    return taskId => ProvisioningTaskActor.Props(taskId, runner, settings, quotas);
                },
                new EntityMessageExtractor<ProvisioningTaskProtocol.ITaskCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.AccessRegistries>(
                "access",
                (_, _) => AccessRegistryActor.Props,
                new EntityMessageExtractor<AccessProtocol.IAccessCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.HostEnrollments>(
                "host-enrollment",
                (_, _) => name => HostEnrollmentActor.Props(name, secrets.HostAuthority),
                new EntityMessageExtractor<HostEnrollmentProtocol.IEnrollmentCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.Networks>(
                "network",
                (_, registry) => name => VmNetworkActor.Props(
                    name, registry.Get<ControllerRegions.Tasks>(), registry.Get<ControllerRegions.Vms>(), registry.Get<ControllerRegions.Quotas>(), settings),
                new EntityMessageExtractor<VmNetworkProtocol.INetworkCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.ReplicaMaps>(
                "replica-map",
                (_, registry) =>
                {
                    var builder = new ReplicaBuilder(driver, registry.Get<ControllerRegions.Hosts>(), settings);
                    return template => ReplicaMapActor.Props(template, builder, settings);
                },
                new EntityMessageExtractor<ReplicaMapProtocol.IReplicaMapCommand>(settings.ShardCount),
                remembered)
            .WithShardRegion<ControllerRegions.Pools>(
                "pool",
                (_, registry) =>
                {
                    var lifecycle = new ChildLifecycle(
                        driver, registry.Get<ControllerRegions.Hosts>(), registry.Get<ControllerRegions.ReplicaMaps>(),
                        registry.Get<ControllerRegions.KeyPools>(), secrets.Authority.PublicKey, settings);
                    return pool => ChildPoolActor.Props(
                        pool, lifecycle, registry.Get<ControllerRegions.FleetView>(), registry.Get<ControllerRegions.ReplicaMaps>(),
                        registry.Get<ControllerRegions.KeyPools>(), settings);
                },
                new EntityMessageExtractor<ChildPoolProtocol.IChildPoolCommand>(settings.ShardCount),
                remembered)
            .WithActors((system, registry) =>
            {
                registry.Register<ControllerRegions.PoolDirectory>(
                    system.ActorOf(ProjectionActor<PoolDirectory>.Props(new PoolDirectory()), "pool-directory"));
                registry.Register<ControllerRegions.VmDirectory>(
                    system.ActorOf(ProjectionActor<VmDirectory>.Props(new VmDirectory()), "vm-directory"));
                registry.Register<ControllerRegions.TaskDirectory>(
                    system.ActorOf(ProjectionActor<TaskDirectory>.Props(new TaskDirectory()), "task-directory"));
                registry.Register<ControllerRegions.ModelDirectory>(
                    system.ActorOf(ProjectionActor<ModelDirectory>.Props(new ModelDirectory()), "model-directory"));
                registry.Register<ControllerRegions.SoftwareCatalogDirectory>(
                    system.ActorOf(ProjectionActor<SoftwareCatalogDirectory>.Props(new SoftwareCatalogDirectory(software.Catalog)), "software-catalog"));
                registry.Register<ControllerRegions.InstantImageDirectory>(
                    system.ActorOf(ProjectionActor<InstantImageDirectory>.Props(new InstantImageDirectory()), "instant-image-directory"));
                var registration = system.ActorOf(
                    FleetRegistration.Props(driver, registry.Get<ControllerRegions.Hosts>(), settings.DiscoveryInterval),
                    "fleet-registration");
                if (driver is AgentDriver agents)
                {
                    system.ActorOf(AgentDirectoryRefresh.Props(agents.Agents, secrets.HostAuthority, registry.Get<ControllerRegions.HostEnrollments>(),
                        registration, settings.AgentRefreshInterval, settings.AskTimeout), "agent-directory");
                }
                // Wakes the remembered key pool so that it fills before the first VM asks.
                if (settings.KeyPool.FillOnStart)
                    registry.Get<ControllerRegions.KeyPools>().Tell(new KeyPoolProtocol.GetStatus(KeyPoolProtocol.DefaultPool));
            })
            .WithSingleton<ControllerRegions.FleetBalancer>(
                "fleet-balancer",
                (_, registry, _) => FleetBalancer.Props(
                    registry.Get<ControllerRegions.FleetView>(), registry.Get<ControllerRegions.VmDirectory>(),
                    registry.Get<ControllerRegions.Tasks>(), settings),
                new ClusterSingletonOptions())
            .WithSingleton<ControllerRegions.UsageMeter>(
                "usage-meter",
                (_, registry, _) => UsageMeterActor.Props(
                    new UsageObserver(
                        registry.Get<ControllerRegions.VmDirectory>(), registry.Get<ControllerRegions.PoolDirectory>(),
                        registry.Get<ControllerRegions.Pools>(), registry.Get<ControllerRegions.ReplicaMaps>(), settings.AskTimeout),
                    settings),
                new ClusterSingletonOptions())
            .WithSingleton<ControllerRegions.AuditTrail>(
                "audit-trail",
                (_, _, _) => Audit.AuditTrailActor.Props(settings.Audit),
                new ClusterSingletonOptions());

        return builder;
    }

    private static Config LoadReferenceConfig()
    {
        using var stream = typeof(AkkaControllerExtensions).Assembly
            .GetManifestResourceStream("CloudController.Cluster.Hosting.reference.conf")
            ?? throw new InvalidOperationException("The cluster layer's reference.conf is not embedded.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
