using System.Collections.Immutable;

namespace CloudController.Domain.Catalog;

/// <summary>An operating system VMs can be built with, and the least it needs.</summary>
/// <param name="Headroom">How much more than the minimum to recommend, e.g. 1.5 for half again.</param>
public sealed record OsDefinition(string Name, string Family, string ServicePack, Resources Minimum, double Headroom);

/// <summary>
/// An application of the library: the OSes (names or families) it runs on, what it adds to a VM's needs, and the
/// answer file its installer reads for an unattended install.
/// </summary>
public sealed record AppDefinition(
    string Name, ImmutableArray<string> RunsOn, Resources Minimum, double Headroom, AppLibrary.AnswerFileTemplate? AnswerFile = null)
{
    public bool RunsOnOs(OsDefinition os) => RunsOn.Contains(os.Name) || RunsOn.Contains(os.Family);
}

/// <summary>A named size of virtual hardware, offered so that requests need not spell out every number.</summary>
public sealed record HardwareProfile(string Name, Resources Hardware);

/// <summary>The OSes, apps and hardware profiles requests are checked against.</summary>
public sealed record SoftwareCatalog(
    ImmutableDictionary<string, OsDefinition> Oses,
    ImmutableDictionary<string, AppDefinition> Apps,
    ImmutableDictionary<string, HardwareProfile> Profiles)
{
    public static readonly SoftwareCatalog Empty = new(
        ImmutableDictionary<string, OsDefinition>.Empty,
        ImmutableDictionary<string, AppDefinition>.Empty,
        ImmutableDictionary<string, HardwareProfile>.Empty);

    public static SoftwareCatalog Of(IEnumerable<OsDefinition> oses, IEnumerable<AppDefinition> apps, IEnumerable<HardwareProfile> profiles) =>
        new(oses.ToImmutableDictionary(o => o.Name, StringComparer.Ordinal),
            apps.ToImmutableDictionary(a => a.Name, StringComparer.Ordinal),
            profiles.ToImmutableDictionary(p => p.Name, StringComparer.Ordinal));

    public OsDefinition? Os(string name) => Oses.GetValueOrDefault(name);

    /// <summary>The catalog after an operator's change: a definition added or replaced, or an entry removed.</summary>
    public SoftwareCatalog Apply(IDomainEvent e) => e switch
    {
        OsDefined d => this with { Oses = Oses.SetItem(d.Os.Name, d.Os) },
        AppDefined d => this with { Apps = Apps.SetItem(d.App.Name, d.App) },
        ProfileDefined d => this with { Profiles = Profiles.SetItem(d.Profile.Name, d.Profile) },
        SoftwareEntryRemoved { Kind: SoftwareEntryKind.Os } r => this with { Oses = Oses.Remove(r.Name) },
        SoftwareEntryRemoved { Kind: SoftwareEntryKind.App } r => this with { Apps = Apps.Remove(r.Name) },
        SoftwareEntryRemoved { Kind: SoftwareEntryKind.Profile } r => this with { Profiles = Profiles.Remove(r.Name) },
        _ => this,
    };

    public AppDefinition? App(string name) => Apps.GetValueOrDefault(name);
}
