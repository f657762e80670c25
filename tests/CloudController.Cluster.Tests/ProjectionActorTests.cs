using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using CloudController.Cluster.ReadModels;
using Xunit.Abstractions;

namespace CloudController.Cluster.Tests;

public class ProjectionActorTests(ITestOutputHelper output) : TestKit(output: output)
{
    /// <summary>The persistence ids of the events applied, in order.</summary>
    private sealed class Seen : IProjection
    {
        public List<string> Ids { get; } = [];

        public string Tag => "things";

        public void Apply(string persistenceId, object @event) => Ids.Add(persistenceId);
    }

    /// <summary>
    /// Queries over fixed events: those after the offset, then (live) nothing more, ever; or a failure after
    /// <paramref name="failAfter"/> events.
    /// </summary>
    private sealed class Journal(IReadOnlyList<EventEnvelope> events, int? failAfter = null) : ICurrentEventsByTagQuery, IEventsByTagQuery
    {
        public Source<EventEnvelope, NotUsed> CurrentEventsByTag(string tag, Offset offset)
        {
            var next = After(offset);
            return failAfter is { } n && next.Count > n
                ? Source.From(next.Take(n)).Concat(Source.Failed<EventEnvelope>(new InvalidOperationException("the query failed")))
                : Source.From(next);
        }

        public Source<EventEnvelope, NotUsed> EventsByTag(string tag, Offset offset) => CurrentEventsByTag(tag, offset).Concat(Source.Never<EventEnvelope>());

        private List<EventEnvelope> After(Offset offset)
        {
            var after = offset is Sequence s ? s.Value : 0;
            return events.Where(e => ((Sequence)e.Offset).Value > after).ToList();
        }
    }

    private static readonly IReadOnlyList<EventEnvelope> Events =
        Enumerable.Range(1, 3).Select(i => new EventEnvelope(new Sequence(i), $"thing-{i}", 1, $"event {i}", 0, ["things"])).ToList();

    private void ExpectSeen(IActorRef projection, params string[] ids) =>
        AwaitAssert(() => Assert.Equal(ids, projection.Ask<List<string>>(new ProjectionQuery<Seen>(p => p.Ids.ToList()), TimeSpan.FromSeconds(1)).Result),
            TimeSpan.FromSeconds(10));

    [Fact]
    public void A_read_journal_that_cannot_be_had_at_first_delays_the_projection_and_does_not_stop_it()
    {
        // As the SQL read journal's construction throws when its write journal does not say it is initialized within
        // five seconds (a node starting on a busy machine).
        var lookups = 0;
        var projection = Sys.ActorOf(ProjectionActor<Seen>.Props(new Seen(), () => Interlocked.Increment(ref lookups) == 1
            ? throw new AggregateException(new Akka.Actor.AskTimeoutException("Timeout after 5.00 seconds"))
            : new Journal(Events)));

        ExpectSeen(projection, "thing-1", "thing-2", "thing-3");
        // The one that failed, the one for the events so far, the one for the live query (which starts just after).
        AwaitAssert(() => Assert.Equal(3, Volatile.Read(ref lookups)), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_query_that_fails_is_resumed_after_the_last_event_applied_so_none_is_applied_twice()
    {
        var projection = Sys.ActorOf(ProjectionActor<Seen>.Props(new Seen(), () => new Journal(Events, failAfter: 1)));

        ExpectSeen(projection, "thing-1", "thing-2", "thing-3");
    }
}
