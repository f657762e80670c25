using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using static CloudController.Cluster.Catalog.SoftwareEntryProtocol;

namespace CloudController.Cluster.Catalog;

/// <summary>
/// One operator-managed entry of the software catalog (an OS, an app of the library, or a hardware profile). Its
/// events are tagged so that every node's catalog read model, seeded with the configured defaults, follows them.
/// </summary>
public sealed class SoftwareEntryActor : RecordingActor
{
    public const string Tag = "software-catalog";

    private readonly string _key;

    public SoftwareEntryActor(string key)
    {
        _key = key;

        // Nothing to rebuild: the read models hold the catalog; the entity only records changes to it.
        RecoverAny(_ => { });

        Command<DefineOs>(d => Record(new OsDefined(d.Os), () => Changed(d)));
        Command<DefineApp>(d => Record(new AppDefined(d.App), () => Changed(d)));
        Command<DefineProfile>(d => Record(new ProfileDefined(d.Profile), () => Changed(d)));
        Command<RemoveEntry>(r => Record(new SoftwareEntryRemoved(r.Kind, r.Name), () => Changed(r)));
    }

    public override string PersistenceId => $"software-{_key}";

    public static Props Props(string key) => Akka.Actor.Props.Create(() => new SoftwareEntryActor(key));

    /// <summary>Answered, the entity has nothing left to hold.</summary>
    private void Changed(ISoftwareEntryCommand command)
    {
        Sender.Tell(new EntryChanged(command.Kind, command.Name));
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    protected override void Apply(IDomainEvent e)
    {
    }

    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [Tag];
}
