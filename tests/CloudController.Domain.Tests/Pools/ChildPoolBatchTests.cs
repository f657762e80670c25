using System.Collections.Immutable;
using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Pools;

public class ChildPoolBatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A pool with web-1..web-4 being forked and web-5, web-6 being removed.</summary>
    private static ChildPool Pool()
    {
        var children = Enumerable.Range(1, 6)
            .Select(n => new PoolChild($"web-{n}", n, $"web-{n}", "02:00:00:00:00:01", $"10.0.0.{n}", Guid.NewGuid(), "h1", ChildState.Forking, Now))
            .ToImmutableArray();
        return ChildPool.Empty
            .Apply(new PoolCreated(new PoolDefinition("web", "tpl", [], "web-{n}", "10.0.0.0/24", "", 4)))
            .Apply(new ChildrenPlanned(children))
            .Apply(new ChildrenRemoving(["web-5", "web-6"], "surplus"));
    }

    private static BatchOutcome Forked(ImmutableArray<string> ready, params (string Reason, ImmutableArray<string> Ids)[] failed) =>
        new(ready, failed.ToImmutableDictionary(f => f.Reason, f => f.Ids), []);

    private static BatchOutcome Removed(params string[] ids) => new([], ImmutableDictionary<string, ImmutableArray<string>>.Empty, [.. ids]);

    [Fact]
    public void A_clean_batch_records_ready_and_removed_children_and_ends_a_run_of_interruptions()
    {
        var record = Pool().RecordBatch(Forked(["web-1", "web-2", "web-3", "web-4"]), Removed("web-5", "web-6"), interruptions: 3);

        Assert.Collection(record.Events,
            e => Assert.Equal(["web-1", "web-2", "web-3", "web-4"], Assert.IsType<ChildrenReady>(e).ChildIds.ToArray()),
            e => Assert.Equal(["web-5", "web-6"], Assert.IsType<ChildrenRemoved>(e).ChildIds.ToArray()));
        Assert.Equal(["web-5", "web-6"], record.Gone.ToArray());
        Assert.Equal(0, record.Interruptions);
    }

    [Fact]
    public void Failed_forks_are_recorded_by_reason_lose_their_tokens_and_count_as_an_interruption()
    {
        var record = Pool().RecordBatch(
            Forked(["web-1"], ("host full", ["web-2", "web-3"]), ("replica failed", ["web-4"])), Removed("web-5", "web-6"), interruptions: 1);

        var failed = record.Events.OfType<ChildrenFailed>().ToDictionary(f => f.Reason, f => f.ChildIds);
        Assert.Equal(["web-2", "web-3"], failed["host full"].ToArray());
        Assert.Equal(["web-4"], failed["replica failed"].ToArray());
        Assert.IsType<ChildrenReady>(record.Events[0]);
        Assert.IsType<ChildrenRemoved>(record.Events[^1]);
        Assert.Equal(["web-2", "web-3", "web-4", "web-5", "web-6"], record.Gone.Order());
        Assert.Equal(2, record.Interruptions);
    }

    [Fact]
    public void Children_left_being_removed_count_as_an_interruption_so_the_next_round_backs_off()
    {
        var record = Pool().RecordBatch(Forked(["web-1", "web-2", "web-3", "web-4"]), Removed("web-5"), interruptions: 0);

        Assert.Equal(["web-5"], record.Gone.ToArray());
        Assert.Equal(1, record.Interruptions);
    }

    [Fact]
    public void A_batch_that_changed_nothing_records_no_event()
    {
        var pool = ChildPool.Empty.Apply(new PoolCreated(new PoolDefinition("web", "tpl", [], "web-{n}", "10.0.0.0/24", "", 0)));

        var record = pool.RecordBatch(BatchOutcome.None, BatchOutcome.None, interruptions: 2);

        Assert.Empty(record.Events);
        Assert.Empty(record.Gone);
        Assert.Equal(0, record.Interruptions);
    }

    [Fact]
    public void The_recorded_events_leave_the_pool_with_its_children_ready_replaced_or_gone()
    {
        var pool = Pool();
        var record = pool.RecordBatch(Forked(["web-1", "web-2"], ("host full", ["web-3", "web-4"])), Removed("web-5", "web-6"), interruptions: 0);

        pool = record.Events.Aggregate(pool, (p, e) => p.Apply(e));

        Assert.Equal(["web-1", "web-2"], pool.InState(ChildState.Ready).Select(c => c.ChildId));
        Assert.Equal(["web-3", "web-4"], pool.InState(ChildState.Removing).Select(c => c.ChildId));
        Assert.Equal(2, pool.FailedTotal);
        Assert.False(pool.Children.ContainsKey("web-5"));
    }

}
