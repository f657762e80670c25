using CloudController.Cluster.Provisioning;
using CloudController.Domain;
using CloudController.Domain.Provisioning;

namespace CloudController.Cluster.ReadModels;

/// <summary>Every task, for `ccm task list`: folded from the events <see cref="ProvisioningTaskActor"/> tags.</summary>
public sealed class TaskDirectory : IProjection
{
    private const string PersistencePrefix = "task-";

    public string Tag => ProvisioningTaskActor.Tag;

    public TaskListing Tasks { get; } = new();

    public void Apply(string persistenceId, object @event)
    {
        if (@event is IDomainEvent e && persistenceId.StartsWith(PersistencePrefix, StringComparison.Ordinal))
            Tasks.Apply(persistenceId[PersistencePrefix.Length..], e);
    }
}
