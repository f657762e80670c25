using System.Collections.Immutable;
using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Pools;

public class ChildPoolAutoscalingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static ChildPool Pool(int desired, PoolAutoscaling? bounds) =>
        ChildPool.Empty.Apply(new PoolCreated(new PoolDefinition("web", "tpl", [], "web-{n}", "10.0.0.0/24", "", desired, Autoscaling: bounds)));

    /// <summary>The pool with <paramref name="ready"/> children ready and <paramref name="forking"/> more being forked.</summary>
    private static ChildPool WithChildren(ChildPool pool, int ready, int forking = 0)
    {
        var children = Enumerable.Range(1, ready + forking)
            .Select(n => new PoolChild($"web-{n}", n, $"web-{n}", "02:00:00:00:00:01", $"10.0.0.{n}", Guid.NewGuid(), "h1", ChildState.Forking, Now))
            .ToImmutableArray();
        return pool.Apply(new ChildrenPlanned(children)).Apply(new ChildrenReady(children.Take(ready).Select(c => c.ChildId).ToImmutableArray()));
    }

    private static ChildPool Decided(ChildPool pool, Decision decision)
    {
        Assert.Null(decision.Refusal);
        return pool.Apply(decision.Event!);
    }

    [Fact]
    public void Grows_within_max_and_refuses_past_it_naming_the_max()
    {
        var pool = Pool(2, new PoolAutoscaling(1, 5));
        pool = Decided(pool, pool.Grow(3));
        Assert.Equal(5, pool.Desired);
        Assert.Contains("past its max of 5", pool.Grow(1).Refusal);
        Assert.Contains("delta must be positive", pool.Grow(0).Refusal);
        Assert.Contains("delta must be positive", pool.Grow(-1).Refusal);
    }

    [Fact]
    public void A_pool_without_autoscaling_is_not_the_autoscalers_to_size()
    {
        var pool = Pool(2, null);
        Assert.Contains("does not take part in autoscaling", pool.Grow(1).Refusal);
        Assert.Contains("does not take part in autoscaling", pool.ShrinkTarget(-1).Refusal);
    }

    [Fact]
    public void Lowering_the_target_takes_back_only_children_not_yet_forked()
    {
        var pool = WithChildren(Pool(6, new PoolAutoscaling(0, 10)), ready: 2, forking: 1);
        pool = Decided(pool, pool.ShrinkTarget(-3));
        Assert.Equal(3, pool.Desired);
        Assert.Contains("delete those by name", pool.ShrinkTarget(-1).Refusal);
        Assert.Contains("delta must be negative", pool.ShrinkTarget(1).Refusal);
    }

    [Fact]
    public void Named_children_go_with_the_desired_count_lowered_by_as_many_never_below_min()
    {
        var pool = WithChildren(Pool(4, new PoolAutoscaling(1, 10)), ready: 4);
        pool = Decided(pool, pool.RemoveChildren(["web-1", "web-3"], "deleted by the cluster autoscaler"));
        Assert.Equal(2, pool.Desired);
        Assert.Equal(["web-1", "web-3"], pool.InState(ChildState.Removing).Select(c => c.ChildId));
        Assert.Equal(ChildState.Ready, pool.Children["web-2"].State);
        Assert.Equal(Decision.AlreadyDone, pool.RemoveChildren(["web-1"], "again"));
        Assert.Contains("below its min of 1", pool.RemoveChildren(["web-2", "web-4"], "all").Refusal);
        Assert.Contains("web-9 is not a child of pool web", pool.RemoveChildren(["web-2", "web-9"], "unknown").Refusal);
        Assert.Equal(ChildState.Ready, pool.Children["web-2"].State);
    }

    [Fact]
    public void A_child_removed_while_it_is_forked_stays_removed_when_its_fork_completes()
    {
        var pool = WithChildren(Pool(2, new PoolAutoscaling(0, 10)), ready: 1, forking: 1);
        pool = Decided(pool, pool.RemoveChildren(["web-2"], "deleted by the cluster autoscaler"));
        pool = pool.Apply(new ChildrenReady(["web-2"]));
        Assert.Equal(ChildState.Removing, pool.Children["web-2"].State);
        Assert.Equal(1, pool.Desired);
    }

    [Fact]
    public void Bounds_are_checked_and_a_manual_scale_stays_within_them()
    {
        var pool = Pool(3, null);
        Assert.Contains("outside 5-8", pool.SetAutoscaling(new PoolAutoscaling(5, 8)).Refusal);
        Assert.Contains("below min", pool.SetAutoscaling(new PoolAutoscaling(4, 2)).Refusal);
        pool = Decided(pool, pool.SetAutoscaling(new PoolAutoscaling(1, 4)));
        Assert.Equal(new PoolAutoscaling(1, 4), pool.Definition!.Autoscaling);
        Assert.Contains("autoscaled within 1-4", pool.Scale(9).Refusal);
        pool = Decided(pool, pool.SetAutoscaling(null));
        Assert.Null(pool.Definition!.Autoscaling);
        Assert.Null(pool.Scale(9).Refusal);
    }

    [Fact]
    public void A_failed_child_keeps_why_while_it_is_replaced()
    {
        var pool = WithChildren(Pool(2, null), ready: 1, forking: 1);
        pool = pool.Apply(new ChildrenFailed(["web-2"], "qemu exited with status 1"));
        Assert.Equal("qemu exited with status 1", pool.Incidents.Single().Failure);
    }

    [Theory]
    [InlineData("cloudcontroller://web/web-7", "web", "web-7")]
    [InlineData("cloudcontroller://web/unfulfilled-3", "web", "unfulfilled-3")]
    public void Provider_ids_name_a_pool_and_a_child(string text, string pool, string child)
    {
        var id = ProviderId.Parse(text);
        Assert.Equal(new ProviderId(pool, child), id);
        Assert.Equal(text, id!.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("aws:///us-east-1a/i-0abc")]
    [InlineData("cloudcontroller://web")]
    [InlineData("cloudcontroller:///web-1")]
    [InlineData("cloudcontroller://web/")]
    [InlineData("cloudcontroller://web/a/b")]
    public void Other_provider_ids_are_not_ours(string text) => Assert.Null(ProviderId.Parse(text));
}
