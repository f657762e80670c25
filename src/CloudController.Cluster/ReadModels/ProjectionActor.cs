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
/// <remarks>
/// The read journal is looked up when the query starts, and again whenever it restarts, never in the actor's start:
/// the SQL read journal's construction waits (five seconds at most) for the write journal to say it is initialized,
/// and a node starting on a busy machine or a slow database may not hear in time. Thrown in the actor's start, that
/// stopped the actor for the node's lifetime, and every read of its projection on that node timed out; now it is one
/// more failure of the query, retried after a backoff.
/// </remarks>
public sealed class ProjectionActor<TProjection> : ReceiveActor where TProjection : IProjection
{
    private sealed record StreamEnded;

    private readonly TProjection _projection;
    private readonly Func<IEventsByTagQuery> _readJournal;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Offset _offset = Offset.NoOffset();

    /// <param name="readJournal">Where the events come from; null for the node's SQL read journal.</param>
    public ProjectionActor(TProjection projection, Func<IEventsByTagQuery>? readJournal = null)
    {
        _projection = projection;
        var system = Context.System;
        _readJournal = readJournal ?? (() => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier));

        Receive<EventEnvelope>(e =>
        {
            _projection.Apply(e.PersistenceId, e.Event);
            _offset = e.Offset;
        });
        Receive<ProjectionQuery<TProjection>>(q => Sender.Tell(q.Query(_projection)));
        Receive<StreamEnded>(_ => _log.Warning("The {0} projection's event stream ended", _projection.Tag));
    }

    /// <param name="readJournal">Where the events come from; null for the node's SQL read journal.</param>
    public static Props Props(TProjection projection, Func<IEventsByTagQuery>? readJournal = null) =>
        Akka.Actor.Props.Create(() => new ProjectionActor<TProjection>(projection, readJournal));

    protected override void PreStart()
    {
        var self = Self;
        RestartSource
            .OnFailuresWithBackoff(
                // Looked up inside the stream, so that a lookup that throws fails this attempt, not the actor.
                () => Source.Single(NotUsed.Instance).ConcatMany(_ => _readJournal().EventsByTag(_projection.Tag, _offset)),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2))
            .RunWith(Sink.ActorRef<EventEnvelope>(self, new StreamEnded(), ex => new StreamEnded()), Context.Materializer());
    }
}
