using CloudController.Domain;
using CloudController.Domain.Catalog;

namespace CloudController.Cluster.ReadModels;

/// <summary>
/// The software catalog requests are checked against: the configured defaults, then every operator change in
/// journal order, so a definition made through the API overrides or removes a default.
/// </summary>
public sealed class SoftwareCatalogDirectory(SoftwareCatalog defaults) : IProjection
{
    public string Tag => Cluster.Catalog.SoftwareEntryActor.Tag;

    public SoftwareCatalog Catalog { get; private set; } = defaults;

    public void Apply(string persistenceId, object @event)
    {
        if (@event is IDomainEvent e) Catalog = Catalog.Apply(e);
    }
}
