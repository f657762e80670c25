using CloudController.Domain.Catalog;

namespace CloudController.Cluster.ReadModels;

/// <summary>Every model of the catalog, for listing: folded from the events that <see cref="Catalog.ModelVmActor"/> tags.</summary>
public sealed class ModelDirectory : IProjection
{
    private readonly SortedDictionary<string, ModelVm> _models = new(StringComparer.Ordinal);

    public string Tag => Catalog.ModelVmActor.Tag;

    public void Apply(string persistenceId, object @event)
    {
        switch (@event)
        {
            case ModelRegistered registered:
                _models[registered.Model.Name] = registered.Model;
                break;
            case ModelRemoved removed:
                _models.Remove(removed.Name);
                break;
        }
    }

    public IReadOnlyList<ModelVm> List() => _models.Values.ToList();
}
