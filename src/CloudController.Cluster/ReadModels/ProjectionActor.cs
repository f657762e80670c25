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
public sealed class ProjectionActor<TProjection> : ReceiveActor, IWithUnboundedStash, IWithTimers where TProjection : IProjection
{
    private sealed record CaughtUp;

    private sealed record CatchUpFailed(Exception Cause);

    private sealed record RetryCatchUp;

    private sealed record StreamEnded;

    private static readonly TimeSpan CatchUpRetry = TimeSpan.FromMilliseconds(500);

    private readonly TProjection _projection;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer = Context.Materializer();
    private Offset _offset = Offset.NoOffset();

    public ProjectionActor(TProjection projection)
    {
        _projection = projection;
        Become(CatchingUp);
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TProjection projection) =>
        Akka.Actor.Props.Create(() => new ProjectionActor<TProjection>(projection));

    private SqlReadJournal Journal => PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    protected override void PreStart() => CatchUp();

    private void CatchUp() =>
        Journal.CurrentEventsByTag(_projection.Tag, _offset)
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
                () => Journal.EventsByTag(_projection.Tag, _offset),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2))
            .RunWith(Sink.ActorRef<EventEnvelope>(Self, new StreamEnded(), ex => new StreamEnded()), _materializer);
}
