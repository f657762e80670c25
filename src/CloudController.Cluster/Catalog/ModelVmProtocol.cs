using CloudController.Cluster.Serialization;
using CloudController.Domain.Catalog;

namespace CloudController.Cluster.Catalog;

/// <summary>The messages of the <see cref="ModelVmActor"/> entity, keyed by model name.</summary>
public static class ModelVmProtocol
{
    public interface IModelVmCommand : IEntityCommand
    {
        string Name { get; }

        string IEntityCommand.EntityId => Name;
    }

    /// <summary>Registers a model. Repeating the same definition succeeds; a different one under the same name is refused.</summary>
    public sealed record RegisterModel(ModelVm Model) : IModelVmCommand
    {
        public string Name => Model.Name;
    }

    public sealed record GetModel(string Name) : IModelVmCommand;

    public sealed record RemoveModel(string Name) : IModelVmCommand;

    public sealed record ModelStatus(ModelVm Model) : IClusterMessage;

    public sealed record ModelNotFound(string Name) : IClusterMessage;

    public sealed record ModelRefused(string Name, string Reason) : IClusterMessage;

    [WireName("Cluster.Catalog.ModelVmProtocol+ModelRemovedReply")]
    public sealed record ModelApplied(string Name) : IClusterMessage;
}
