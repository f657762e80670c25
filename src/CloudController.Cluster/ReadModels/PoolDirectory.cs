using CloudController.Cluster.Pools;
using CloudController.Domain.Pools;

namespace CloudController.Cluster.ReadModels;

/// <summary>The pools that exist, for listing: folded from the events <see cref="ChildPoolActor"/> tags.</summary>
public sealed class PoolDirectory : IProjection
{
    private readonly SortedDictionary<string, PoolDefinition> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _namesByPersistenceId = new(StringComparer.Ordinal);

    public string Tag => ChildPoolActor.Tag;

    public void Apply(string persistenceId, object @event)
    {
        switch (@event)
        {
            case PoolCreated created:
                _pools[created.Definition.Name] = created.Definition;
                _namesByPersistenceId[persistenceId] = created.Definition.Name;
                break;
            case PoolDeleted when _namesByPersistenceId.Remove(persistenceId, out var name):
                _pools.Remove(name);
                break;
        }
    }

    public IReadOnlyList<string> Names() => _pools.Keys.ToList();
}
