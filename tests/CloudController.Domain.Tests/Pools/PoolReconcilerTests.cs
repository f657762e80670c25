using System.Collections.Immutable;
using CloudController.Domain.Fleet;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Pools;

public class PoolReconcilerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly ForkTemplate Template = new("tpl", "ubuntu", "img", 10, new Resources(1, 4096, 20), 64, []);
    private static readonly Resources ChildCost = Template.ChildCost(1);

    private static HostSnapshot Host(string id, HostState state = HostState.Active, long freeMemory = 65536) =>
        new(id, state, "general", [], new Resources(64, freeMemory, 1000), Resources.Zero, Resources.Zero, 0, 0, 0, Now);

    private static ChildPool Pool(int desired, SurplusOrder order = SurplusOrder.Newest, string range = "10.0.0.0/24") =>
        ChildPool.Empty.Apply(new PoolCreated(new PoolDefinition("web", "tpl", [], "web-{n}", range, "", desired, order)));

    private static ChildPool Run(ChildPool pool, ReconcileStep step)
    {
        foreach (var e in step.Events) pool = pool.Apply(e);
        return pool;
    }

    private static ChildPool ReadyAll(ChildPool pool) =>
        pool.Apply(new ChildrenReady(pool.InState(ChildState.Forking).Select(c => c.ChildId).ToImmutableArray()));

    private static ReconcileStep Plan(ChildPool pool, IReadOnlyList<HostSnapshot> hosts, int batch = 100, IReadOnlySet<string>? replicas = null) =>
        PoolReconciler.Plan(pool, Template, hosts, replicas ?? new HashSet<string>(), ChildCost, batch, Now);

    [Fact]
    public void Fills_a_deficit_in_batches_with_distinct_identities_spread_over_hosts()
    {
        var pool = Pool(250);
        var hosts = new[] { Host("a"), Host("b") };
        pool = ReadyAll(Run(pool, Plan(pool, hosts)));
        pool = ReadyAll(Run(pool, Plan(pool, hosts)));
        var last = Plan(pool, hosts);
        Assert.Equal(50, ((ChildrenPlanned)last.Events.Single()).Children.Length);
        pool = ReadyAll(Run(pool, last));

        var children = pool.Children.Values.ToList();
        Assert.Equal(250, children.Count);
        Assert.Equal(Enumerable.Range(1, 250).Select(n => (long)n), children.Select(c => c.Number).Order());
        Assert.Equal(250, children.Select(c => c.Ip).Distinct().Count());
        Assert.Equal(250, children.Select(c => c.Mac).Distinct().Count());
        Assert.Equal(250, children.Select(c => c.MachineId).Distinct().Count());
        Assert.Equal("10.0.0.1", children.Single(c => c.Number == 1).Ip);
        Assert.InRange(children.Count(c => c.HostId == "a"), 124, 126);
        Assert.True(Plan(pool, hosts).IsEmpty);
    }

    [Fact]
    public void The_same_state_plans_the_same_identities_so_a_repeated_step_changes_nothing()
    {
        var pool = Pool(5);
        var hosts = new[] { Host("a") };
        Assert.Equal(
            ((ChildrenPlanned)Plan(pool, hosts).Events.Single()).Children.Select(c => (c.Name, c.Mac, c.Ip, c.MachineId)),
            ((ChildrenPlanned)Plan(pool, hosts).Events.Single()).Children.Select(c => (c.Name, c.Mac, c.Ip, c.MachineId)));
    }

    [Theory]
    [InlineData(SurplusOrder.Newest, new long[] { 1, 2, 3 })]
    [InlineData(SurplusOrder.Oldest, new long[] { 4, 5, 6 })]
    public void Removes_a_surplus_in_the_pools_order(SurplusOrder order, long[] kept)
    {
        var pool = Pool(6, order);
        pool = ReadyAll(Run(pool, Plan(pool, [Host("a")])));
        pool = pool.Apply(new PoolScaled(3));

        var step = Plan(pool, [Host("a")]);
        var removing = (ChildrenRemoving)step.Events.Single();
        pool = Run(pool, step).Apply(new ChildrenRemoved(removing.ChildIds));

        Assert.Equal(kept, pool.Children.Values.Select(c => c.Number).Order());
    }

    [Fact]
    public void Children_on_a_host_that_stops_answering_are_lost_and_replaced_and_removed_once_it_is_back()
    {
        var pool = Pool(4);
        var up = new[] { Host("a"), Host("b") };
        pool = ReadyAll(Run(pool, Plan(pool, up)));
        var onA = pool.Children.Values.Where(c => c.HostId == "a").Select(c => c.ChildId).ToHashSet();

        var down = new[] { Host("a", HostState.Offline), Host("b") };
        var step = Plan(pool, down);
        Assert.Equal(onA, ((ChildrenLost)step.Events[0]).ChildIds.ToHashSet());
        var replacements = ((ChildrenPlanned)step.Events[1]).Children;
        Assert.All(replacements, c => Assert.Equal("b", c.HostId));
        Assert.DoesNotContain(replacements, r => pool.Children.Values.Any(c => c.Ip == r.Ip)); // lost ones keep their address
        pool = ReadyAll(Run(pool, step));

        var back = Plan(pool, up);
        Assert.Equal(onA, ((ChildrenRemoving)back.Events.Single()).ChildIds.ToHashSet());
    }

    [Fact]
    public void Children_on_a_host_not_heard_from_yet_are_neither_lost_nor_replaced_until_it_reports()
    {
        var pool = Pool(4);
        var up = new[] { Host("a"), Host("b") };
        pool = ReadyAll(Run(pool, Plan(pool, up)));

        // As after a restart: the view has heard from b only.
        var waiting = Plan(pool, [Host("b")]);
        Assert.Empty(waiting.Events);
        Assert.Contains("waiting for 1 host", waiting.Shortfall);

        Assert.Empty(Plan(pool, up).Events);
    }

    [Fact]
    public void Says_why_it_falls_short_when_hosts_or_addresses_run_out()
    {
        var full = Plan(Pool(10), [Host("a", freeMemory: 4096 + 3 * 64)]);
        Assert.Equal(3, ((ChildrenPlanned)full.Events.Single()).Children.Length); // the replica first, then three children
        Assert.Contains("no host has room", full.Shortfall);

        var narrow = Plan(Pool(10, range: "10.0.0.1-10.0.0.4"), [Host("a")]);
        Assert.Equal(4, ((ChildrenPlanned)narrow.Events.Single()).Children.Length);
        Assert.Contains("no free address", narrow.Shortfall);
    }

    [Fact]
    public void A_deleting_pool_removes_every_child()
    {
        var pool = Pool(3);
        pool = ReadyAll(Run(pool, Plan(pool, [Host("a")]))).Apply(new PoolDeleting());
        Assert.Equal(3, ((ChildrenRemoving)Plan(pool, [Host("a")]).Events.Single()).ChildIds.Length);
        Assert.True(pool.Scale(5).IsRefused);
    }

    [Fact]
    public void A_ready_child_its_host_no_longer_has_is_lost_then_replaced_and_removed_while_a_forking_one_is_left_to_its_batch()
    {
        var hosts = new[] { Host("a"), Host("b") };
        var pool = Pool(4);
        pool = ReadyAll(Run(pool, Plan(pool, hosts)));
        var onA = pool.Children.Values.Where(c => c.HostId == "a").Select(c => c.ChildId).ToList();
        var onB = pool.Children.Values.First(c => c.HostId == "b").ChildId;

        var decision = pool.MarkLost("a", [onA[0], onB, "web-99"], "host a no longer has it");
        Assert.Equal([onA[0]], ((ChildrenLost)decision.Event!).ChildIds.ToArray());
        pool = pool.Apply(decision.Event!);
        Assert.Same(Decision.AlreadyDone, pool.MarkLost("a", [onA[0]], "again"));

        var step = Plan(pool, hosts);
        Assert.Equal([onA[0]], step.Events.OfType<ChildrenRemoving>().Single().ChildIds.ToArray());
        Assert.Single(step.Events.OfType<ChildrenPlanned>().Single().Children);

        var forking = Run(pool, step).InState(ChildState.Forking).Single();
        Assert.Contains("its batch's to finish", Run(pool, step).MarkLost(forking.HostId, [forking.ChildId], "r").Refusal);
        Assert.True(ChildPool.Empty.MarkLost("a", [onB], "r").IsRefused);
    }
}
