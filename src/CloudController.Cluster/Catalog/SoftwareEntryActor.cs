using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Persistence.Journal;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using static CloudController.Cluster.Catalog.SoftwareEntryProtocol;

namespace CloudController.Cluster.Catalog;

/// <summary>
/// One operator-managed entry of the software catalog (an OS, an app of the library, or a hardware profile). Its
/// events are tagged so that every node's catalog read model, seeded with the configured defaults, follows them.
/// </summary>
public sealed class SoftwareEntryActor : ReceivePersistentActor
{
    public const string Tag = "software-catalog";

    private readonly string _key;

    public SoftwareEntryActor(string key)
    {
        _key = key;

        // Nothing to rebuild: the read models hold the catalog; the entity only records changes to it.
        RecoverAny(_ => { });

        Command<DefineOs>(d => Record(new OsDefined(d.Os), d));
        Command<DefineApp>(d => Record(new AppDefined(d.App), d));
        Command<DefineProfile>(d => Record(new ProfileDefined(d.Profile), d));
        Command<RemoveEntry>(r => Record(new SoftwareEntryRemoved(r.Kind, r.Name), r));
    }

    public override string PersistenceId => $"software-{_key}";

    public static Props Props(string key) => Akka.Actor.Props.Create(() => new SoftwareEntryActor(key));

    private void Record(IDomainEvent e, ISoftwareEntryCommand command) =>
        Persist(new Tagged(e, [Tag]), _ =>
        {
            Sender.Tell(new EntryChanged(command.Kind, command.Name));
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
}
