using CloudController.Domain.Catalog;

namespace CloudController.Cluster.Catalog;

/// <summary>The messages of the <see cref="SoftwareEntryActor"/> entity: one OS, app or hardware profile, keyed "kind:name".</summary>
public static class SoftwareEntryProtocol
{
    public interface ISoftwareEntryCommand : IEntityCommand
    {
        SoftwareEntryKind Kind { get; }

        string Name { get; }

        string IEntityCommand.EntityId => KeyOf(Kind, Name);
    }

    public static string KeyOf(SoftwareEntryKind kind, string name) => $"{kind.ToString().ToLowerInvariant()}:{name}";

    public sealed record DefineOs(OsDefinition Os) : ISoftwareEntryCommand
    {
        public SoftwareEntryKind Kind => SoftwareEntryKind.Os;

        public string Name => Os.Name;
    }

    public sealed record DefineApp(AppDefinition App) : ISoftwareEntryCommand
    {
        public SoftwareEntryKind Kind => SoftwareEntryKind.App;

        public string Name => App.Name;
    }

    public sealed record DefineProfile(HardwareProfile Profile) : ISoftwareEntryCommand
    {
        public SoftwareEntryKind Kind => SoftwareEntryKind.Profile;

        public string Name => Profile.Name;
    }

    public sealed record RemoveEntry(SoftwareEntryKind Kind, string Name) : ISoftwareEntryCommand;

    public sealed record EntryChanged(SoftwareEntryKind Kind, string Name) : IClusterMessage;
}
