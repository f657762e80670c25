using Akka.Persistence;
using Akka.Persistence.Journal;
using CloudController.Domain;

namespace CloudController.Cluster;

/// <summary>
/// The one way an entity journals what it came to: <see cref="Record"/> persists an event (tagged for the read models
/// that follow the entity), applies it through <see cref="Apply"/>, which recovery uses too, so that a state after a
/// restart is the state before it, then goes on. Entities that answer commands with a Domain decision are a
/// <see cref="DecidingActor"/>.
/// </summary>
public abstract class RecordingActor : ReceivePersistentActor
{
    /// <summary>Changes the entity's state by one journaled event, whether just persisted or recovered.</summary>
    protected abstract void Apply(IDomainEvent e);

    /// <summary>Tags of the read models that follow this event; none unless a read model does.</summary>
    protected virtual IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [];

    /// <summary>After each journaled event is applied and its continuation run: publishing, snapshots.</summary>
    protected virtual void AfterRecord()
    {
    }

    /// <summary>Journals an event (nothing when there is none), applies it, then goes on.</summary>
    protected virtual void Record(IDomainEvent? e, Action then)
    {
        if (e is null)
        {
            then();
            return;
        }
        var tags = TagsOf(e);
        Persist<object>(tags.Count == 0 ? e : new Tagged(e, tags), _ =>
        {
            Apply(e);
            then();
            AfterRecord();
        });
    }

    /// <summary>
    /// Journals the events of one decision together (one write), applies each as it is confirmed, then goes on once
    /// all are: a meter's sample, say, that ended some uses and started others.
    /// </summary>
    protected void RecordAll(IReadOnlyList<IDomainEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            then();
            return;
        }
        PersistAll(events.Select(e => TagsOf(e) is { Count: > 0 } tags ? new Tagged(e, tags) : (object)e), written =>
        {
            Apply(written is Tagged tagged ? (IDomainEvent)tagged.Payload : (IDomainEvent)written);
            AfterRecord();
        });
        DeferAsync(events, _ => then());
    }
}
