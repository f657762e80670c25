using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace CloudController.Cluster.ReadModels;

/// <summary>
/// Keeps one projection current on this node from the journal's live events-by-tag query, resuming from the last
/// offset it applied when the query fails. Every node runs its own, so reads never cross the network.
/// </summary>
public sealed class ProjectionActor<TProjection> : ReceiveActor where TProjection : IProjection
{
    private sealed record StreamEnded;

    private readonly TProjection _projection;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Offset _offset = Offset.NoOffset();

    public ProjectionActor(TProjection projection)
    {
        _projection = projection;

        Receive<EventEnvelope>(e =>
        {
            _projection.Apply(e.PersistenceId, e.Event);
            _offset = e.Offset;
        });
        Receive<ProjectionQuery<TProjection>>(q => Sender.Tell(q.Query(_projection)));
        Receive<StreamEnded>(_ => _log.Warning("The {0} projection's event stream ended", _projection.Tag));
    }

    public static Props Props(TProjection projection) =>
        Akka.Actor.Props.Create(() => new ProjectionActor<TProjection>(projection));

    protected override void PreStart()
    {
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var self = Self;
        RestartSource
            .OnFailuresWithBackoff(
                () => journal.EventsByTag(_projection.Tag, _offset),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2))
            .RunWith(Sink.ActorRef<EventEnvelope>(self, new StreamEnded(), ex => new StreamEnded()), Context.Materializer());
    }
}
