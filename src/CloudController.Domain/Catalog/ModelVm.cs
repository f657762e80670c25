using System.Collections.Immutable;

namespace CloudController.Domain.Catalog;

/// <summary>
/// A model VM of the catalog: the OS and apps it carries, the hardware its clones get by default, the least
/// hardware it runs on, and the base disk image its clones are layered on.
/// </summary>
public sealed record ModelVm(
    string Name,
    string Os,
    ImmutableArray<string> Apps,
    Resources Hardware,
    Resources Minimum,
    string DiskImage,
    DateTimeOffset RegisteredAt);

public sealed record ModelRegistered(ModelVm Model) : IDomainEvent;

public sealed record ModelRemoved(string Name) : IDomainEvent;
