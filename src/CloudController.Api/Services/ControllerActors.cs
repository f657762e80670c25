using Akka.Actor;
using Akka.Hosting;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Catalog;

namespace CloudController.Api.Services;

/// <summary>The actors the gRPC services talk to, resolved once from Akka.Hosting's registry.</summary>
public sealed class ControllerActors(
    IRequiredActor<ControllerActorKeys.Hosts> hosts,
    IRequiredActor<ControllerActorKeys.Models> models,
    IRequiredActor<ControllerActorKeys.Vms> vms,
    IRequiredActor<ControllerActorKeys.Tasks> tasks,
    IRequiredActor<ControllerActorKeys.Quotas> quotas,
    IRequiredActor<ControllerActorKeys.FleetView> fleetView,
    IRequiredActor<ControllerActorKeys.VmDirectory> vmDirectory,
    IRequiredActor<ControllerActorKeys.TaskDirectory> taskDirectory,
    IRequiredActor<ControllerActorKeys.ModelDirectory> modelDirectory,
    IRequiredActor<ControllerActorKeys.InstantImages> instantImages,
    IRequiredActor<ControllerActorKeys.InstantImageDirectory> instantImageDirectory,
    IRequiredActor<ControllerActorKeys.SoftwareEntries> softwareEntries,
    IRequiredActor<ControllerActorKeys.SoftwareCatalogDirectory> softwareCatalog,
    IRequiredActor<ControllerActorKeys.ReplicaMaps> replicaMaps,
    IRequiredActor<ControllerActorKeys.Pools> pools,
    IRequiredActor<ControllerActorKeys.PoolDirectory> poolDirectory,
    IRequiredActor<ControllerActorKeys.FleetBalancer> fleetBalancer,
    IRequiredActor<ControllerActorKeys.KeyPools> keyPools,
    IRequiredActor<ControllerActorKeys.StorageAllocations> storage,
    IRequiredActor<ControllerActorKeys.Networks> networks,
    IRequiredActor<ControllerActorKeys.AccessRegistries> access,
    IRequiredActor<ControllerActorKeys.HostEnrollments> hostEnrollment,
    IRequiredActor<ControllerActorKeys.UsageMeter> usageMeter,
    IRequiredActor<ControllerActorKeys.AuditTrail> auditTrail,
    ActorSystem system,
    ControllerSettings settings)
{
    public IActorRef Hosts => hosts.ActorRef;

    public IActorRef Models => models.ActorRef;

    public IActorRef Vms => vms.ActorRef;

    public IActorRef Tasks => tasks.ActorRef;

    public IActorRef Quotas => quotas.ActorRef;

    public IActorRef FleetView => fleetView.ActorRef;

    public IActorRef VmDirectory => vmDirectory.ActorRef;

    public IActorRef TaskDirectory => taskDirectory.ActorRef;

    public IActorRef ModelDirectory => modelDirectory.ActorRef;

    public IActorRef InstantImages => instantImages.ActorRef;

    public IActorRef InstantImageDirectory => instantImageDirectory.ActorRef;

    public IActorRef SoftwareEntries => softwareEntries.ActorRef;

    public IActorRef ReplicaMaps => replicaMaps.ActorRef;

    public IActorRef Pools => pools.ActorRef;

    public IActorRef PoolDirectory => poolDirectory.ActorRef;

    public IActorRef FleetBalancer => fleetBalancer.ActorRef;

    public IActorRef KeyPools => keyPools.ActorRef;

    public IActorRef Storage => storage.ActorRef;

    public IActorRef Networks => networks.ActorRef;

    public IActorRef Access => access.ActorRef;

    public IActorRef HostEnrollment => hostEnrollment.ActorRef;

    public IActorRef UsageMeter => usageMeter.ActorRef;

    public IActorRef AuditTrail => auditTrail.ActorRef;

    /// <summary>The software catalog as this node's read model has it: configured defaults plus operators' changes.</summary>
    public async Task<SoftwareCatalog> SoftwareCatalogAsync(CancellationToken ct) =>
        (SoftwareCatalog)await Ask(softwareCatalog.ActorRef, new ProjectionQuery<SoftwareCatalogDirectory>(d => d.Catalog), ct);

    public ActorSystem System => system;

    public TimeSpan AskTimeout => settings.Entities.AskTimeout;

    public ControllerSettings Settings => settings;

    public Task<object> Ask(IActorRef actor, object message, CancellationToken ct) =>
        actor.Ask<object>(message, AskTimeout, ct);
}
