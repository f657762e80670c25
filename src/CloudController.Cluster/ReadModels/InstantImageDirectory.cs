using CloudController.Domain.Catalog;

namespace CloudController.Cluster.ReadModels;

/// <summary>The instant-deploy library, for listing: folded from the events <see cref="Catalog.InstantImageActor"/> tags.</summary>
public sealed class InstantImageDirectory : IProjection
{
    private readonly SortedDictionary<string, InstantImage> _images = new(StringComparer.Ordinal);

    public string Tag => Catalog.InstantImageActor.Tag;

    public void Apply(string persistenceId, object @event)
    {
        switch (@event)
        {
            case InstantImageRegistered registered:
                _images[registered.Image.Name] = registered.Image;
                break;
            case InstantImageRemoved removed:
                _images.Remove(removed.Name);
                break;
        }
    }

    public IReadOnlyList<InstantImage> List() => _images.Values.ToList();
}
