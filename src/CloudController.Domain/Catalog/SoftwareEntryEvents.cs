namespace CloudController.Domain.Catalog;

/// <summary>The kinds of entry the software catalog holds.</summary>
public enum SoftwareEntryKind
{
    Os,
    App,
    Profile,
}

public sealed record OsDefined(OsDefinition Os) : IDomainEvent;

public sealed record AppDefined(AppDefinition App) : IDomainEvent;

public sealed record ProfileDefined(HardwareProfile Profile) : IDomainEvent;

public sealed record SoftwareEntryRemoved(SoftwareEntryKind Kind, string Name) : IDomainEvent;
