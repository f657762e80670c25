using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace CloudController.Cluster.ReadModels;

/// <summary>
/// Keeps one projection current on this node from the journal's events-by-tag query. Every node runs its own, so
/// reads never cross the network. Queries wait until the events journaled before the node started are folded in:
/// an answer is never "nothing" only because the node has not read the journal yet. Then the live query follows,
/// resuming from the last offset applied whenever it fails.
/// </summary>
/// <remarks>
/// The read journal is looked up inside each query, never in the actor's start: the SQL read journal's construction
/// waits (five seconds at most) for the write journal to say it is initialized, and a node starting on a busy machine
/// or a slow database may not hear in time. Thrown in the actor's start, that stopped the actor for the node's
/// lifetime; now it is one more failed query, tried again.
/// </remarks>
public sealed class ProjectionActor<TProjection> : ReceiveActor, IWithUnboundedStash, IWithTimers where TProjection : IProjection
{
    private sealed record CaughtUp;

    private sealed record CatchUpFailed(Exception Cause);

    private sealed record RetryCatchUp;

    private sealed record StreamEnded;

    private static readonly TimeSpan CatchUpRetry = TimeSpan.FromMilliseconds(500);

    private readonly TProjection _projection;
    private readonly Func<ICurrentEventsByTagQuery> _soFar;
    private readonly Func<IEventsByTagQuery> _live;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer = Context.Materializer();
    private Offset _offset = Offset.NoOffset();

    /// <param name="soFar">The query of the events journaled so far; null for the node's SQL read journal.</param>
    /// <param name="live">The live query; null for the node's SQL read journal.</param>
    public ProjectionActor(TProjection projection, Func<ICurrentEventsByTagQuery>? soFar, Func<IEventsByTagQuery>? live)
    {
        _projection = projection;
        var system = Context.System;
        SqlReadJournal Sql() => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _soFar = soFar ?? Sql;
        _live = live ?? Sql;
        Become(CatchingUp);
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TProjection projection) =>
        Akka.Actor.Props.Create(() => new ProjectionActor<TProjection>(projection, null, null));

    /// <summary>A projection fed by another journal than the node's (a test's).</summary>
    public static Props Props<TJournal>(TProjection projection, Func<TJournal> journal) where TJournal : ICurrentEventsByTagQuery, IEventsByTagQuery
    {
        Func<ICurrentEventsByTagQuery> soFar = () => journal();
        Func<IEventsByTagQuery> live = () => journal();
        return Akka.Actor.Props.Create(() => new ProjectionActor<TProjection>(projection, soFar, live));
    }

    protected override void PreStart() => CatchUp();

    // Looked up inside the stream, so that a lookup that throws fails this attempt, not the actor.
    private void CatchUp() =>
        Source.Single(NotUsed.Instance).ConcatMany(_ => _soFar().CurrentEventsByTag(_projection.Tag, _offset))
            .RunWith(Sink.ActorRef<EventEnvelope>(Self, new CaughtUp(), ex => new CatchUpFailed(ex)), _materializer);

    private void CatchingUp()
    {
        Receive<EventEnvelope>(Apply);
        Receive<ProjectionQuery<TProjection>>(_ => Stash.Stash());
        Receive<CaughtUp>(_ =>
        {
            Become(Live);
            Stash.UnstashAll();
            Follow();
        });
        Receive<CatchUpFailed>(f =>
        {
            _log.Warning("Reading the {0} events journaled so far failed ({1}); trying again", _projection.Tag, f.Cause.Message);
            Timers.StartSingleTimer("catch-up", new RetryCatchUp(), CatchUpRetry);
        });
        Receive<RetryCatchUp>(_ => CatchUp());
    }

    private void Live()
    {
        Receive<EventEnvelope>(Apply);
        Receive<ProjectionQuery<TProjection>>(q => Sender.Tell(q.Query(_projection)));
        Receive<StreamEnded>(_ => _log.Warning("The {0} projection's event stream ended", _projection.Tag));
    }

    private void Apply(EventEnvelope e)
    {
        _projection.Apply(e.PersistenceId, e.Event);
        _offset = e.Offset;
    }

    private void Follow() =>
        RestartSource
            .OnFailuresWithBackoff(
                () => Source.Single(NotUsed.Instance).ConcatMany(_ => _live().EventsByTag(_projection.Tag, _offset)),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2))
            .RunWith(Sink.ActorRef<EventEnvelope>(Self, new StreamEnded(), ex => new StreamEnded()), _materializer);
}
