using CloudController.Cluster.Serialization;
using CloudController.Domain.Catalog;

namespace CloudController.Cluster.Catalog;

/// <summary>The messages of the <see cref="InstantImageActor"/> entity, keyed by image name.</summary>
public static class InstantImageProtocol
{
    public interface IInstantImageCommand : IEntityCommand
    {
        string Name { get; }

        string IEntityCommand.EntityId => Name;
    }

    public sealed record RegisterImage(InstantImage Image) : IInstantImageCommand
    {
        public string Name => Image.Name;
    }

    public sealed record GetImage(string Name) : IInstantImageCommand;

    public sealed record RemoveImage(string Name) : IInstantImageCommand;

    [WireName("Cluster.Catalog.InstantImageProtocol+ImageRemoved")]
    public sealed record ImageApplied(InstantImage Image) : IClusterMessage;

    public sealed record ImageStatus(InstantImage Image) : IClusterMessage;

    public sealed record ImageNotFound(string Name) : IClusterMessage;

    public sealed record ImageRefused(string Name, string Reason) : IClusterMessage;
}
