using System.Collections.Immutable;

namespace CloudController.Domain.Catalog;

/// <summary>
/// A model VM of the catalog: the OS and apps it carries, the hardware its clones get by default, the least
/// hardware it runs on, the base disk image its clones are layered on, its OS service-pack level, the users
/// configured in it, the identity of the machine it was built from, which staging strips, and where its image was
/// fetched from (null for an image put in the store by hand).
/// </summary>
public sealed record ModelVm(
    string Name,
    string Os,
    ImmutableArray<string> Apps,
    Resources Hardware,
    Resources Minimum,
    string DiskImage,
    DateTimeOffset RegisteredAt,
    Vms.VmIdentity? Identity = null,
    string ServicePack = "",
    ImmutableArray<string> Users = default,
    ImageSource? ImageSource = null)
{
    // Never the default (uninitialised) array, which neither compares nor serializes.
    public ImmutableArray<string> Users { get; init; } = Users.IsDefault ? [] : Users;

    // ImmutableArray compares by reference; two registrations of the same model must compare equal by content.
    public bool Equals(ModelVm? other) =>
        other is not null && Name == other.Name && Os == other.Os && Apps.SequenceEqual(other.Apps) &&
        Hardware == other.Hardware && Minimum == other.Minimum && DiskImage == other.DiskImage &&
        RegisteredAt == other.RegisteredAt && Equals(Identity, other.Identity) && ServicePack == other.ServicePack &&
        Users.SequenceEqual(other.Users) && ImageSource == other.ImageSource;

    public override int GetHashCode() => HashCode.Combine(Name, Os, Apps.Length, Hardware, Minimum, DiskImage);

    /// <summary>The same model, ignoring when it was registered: a repeated registration is then a no-op.</summary>
    public bool SameDefinitionAs(ModelVm other) => Equals(other with { RegisteredAt = RegisteredAt });
}

public sealed record ModelRegistered(ModelVm Model) : IDomainEvent;

public sealed record ModelRemoved(string Name) : IDomainEvent;
