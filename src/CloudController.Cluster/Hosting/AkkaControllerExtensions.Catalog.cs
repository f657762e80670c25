using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.ReadModels;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>
    /// The catalog: model VMs, instant images and the application library (entities woken by a message), and the
    /// node-local directories that list them. Reads <see cref="SoftwareCatalogSettings"/> (<c>catalog.*</c>) and
    /// <see cref="EntitySettings"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithCatalog(
        this AkkaConfigurationBuilder builder, ControllerSettings settings, SoftwareCatalogSettings software) =>
        builder
            .WithShardRegion<ControllerActorKeys.Models>(
                "model",
                (_, _) => ModelVmActor.Props,
                new EntityMessageExtractor<ModelVmProtocol.IModelVmCommand>(settings.Entities.ShardCount),
                Passivating(settings))
            .WithShardRegion<ControllerActorKeys.InstantImages>(
                "instant-image",
                (_, _) => InstantImageActor.Props,
                new EntityMessageExtractor<InstantImageProtocol.IInstantImageCommand>(settings.Entities.ShardCount),
                Passivating(settings))
            .WithShardRegion<ControllerActorKeys.SoftwareEntries>(
                "software-entry",
                (_, _) => SoftwareEntryActor.Props,
                new EntityMessageExtractor<SoftwareEntryProtocol.ISoftwareEntryCommand>(settings.Entities.ShardCount),
                Passivating(settings))
            .WithActors((system, registry) =>
            {
                registry.Register<ControllerActorKeys.ModelDirectory>(
                    system.ActorOf(ProjectionActor<ModelDirectory>.Props(new ModelDirectory()), "model-directory"));
                registry.Register<ControllerActorKeys.SoftwareCatalogDirectory>(
                    system.ActorOf(ProjectionActor<SoftwareCatalogDirectory>.Props(new SoftwareCatalogDirectory(software.Catalog)), "software-catalog"));
                registry.Register<ControllerActorKeys.InstantImageDirectory>(
                    system.ActorOf(ProjectionActor<InstantImageDirectory>.Props(new InstantImageDirectory()), "instant-image-directory"));
            });
}
