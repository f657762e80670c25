using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosts;
using CloudController.Domain.Placement;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>
    /// The fleet: the node's fleet view (every host's status, for placement), one remembered entity per host, the
    /// enrollment of host agents, and the discovery that wakes a host entity for each host the driver reaches.
    /// Reads <see cref="FleetSettings"/> (<c>fleet.*</c>) and <see cref="EntitySettings"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithFleet(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, ControllerSecrets secrets) =>
        builder
            .WithActors((system, registry) =>
                registry.Register<ControllerActorKeys.FleetView>(
                    system.ActorOf(FleetView.Props(PlacementPolicy.Default), "fleet-view")))
            .WithShardRegion<ControllerActorKeys.Hosts>(
                "host",
                (_, _) => hostId => HostActor.Props(hostId, driver, settings),
                new EntityMessageExtractor<HostProtocol.IHostCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithShardRegion<ControllerActorKeys.HostEnrollments>(
                "host-enrollment",
                (_, _) => name => HostEnrollmentActor.Props(name, secrets.HostAuthority),
                new EntityMessageExtractor<HostEnrollmentProtocol.IEnrollmentCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithActors((system, registry) =>
            {
                var registration = system.ActorOf(
                    FleetRegistration.Props(driver, registry.Get<ControllerActorKeys.Hosts>(), settings.Fleet.DiscoveryInterval),
                    "fleet-registration");
                if (driver is AgentDriver agents)
                {
                    system.ActorOf(AgentDirectoryRefresh.Props(agents.Agents, secrets.HostAuthority, registry.Get<ControllerActorKeys.HostEnrollments>(),
                        registration, settings.Fleet.AgentRefreshInterval, settings.Entities.AskTimeout), "agent-directory");
                }
            });

    /// <summary>
    /// The balancer, a cluster singleton that moves VMs off busy hosts. Reads <see cref="RebalancingSettings"/>
    /// (<c>rebalancing.*</c>); needs the fleet, the VM directory and the tasks.
    /// </summary>
    public static AkkaConfigurationBuilder WithRebalancing(this AkkaConfigurationBuilder builder, ControllerSettings settings) =>
        builder.WithSingleton<ControllerActorKeys.FleetBalancer>(
            "fleet-balancer",
            (_, registry, _) => FleetBalancer.Props(
                registry.Get<ControllerActorKeys.FleetView>(), registry.Get<ControllerActorKeys.VmDirectory>(),
                registry.Get<ControllerActorKeys.Tasks>(), settings),
            new ClusterSingletonOptions());
}
