using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Domain.Tests.Placement;

public class RebalancePlannerTests
{
    private static readonly Resources Vm = new(2, 8192, 40);

    private static HostSnapshot Host(string id, int vms, double cpuLoad = 0, HostState state = HostState.Active) =>
        new(id, state, "general", [], new Resources(32, 65536, 2000), Resources.Zero,
            new Resources(2 * vms, 8192L * vms, 40L * vms), vms, 0, cpuLoad, DateTimeOffset.UnixEpoch);

    private static List<MovableVm> On(string host, int count) =>
        Enumerable.Range(0, count).Select(i => new MovableVm($"{host}-vm{i}", host, Vm)).ToList();

    [Fact]
    public void Moves_the_fewest_VMs_that_bring_a_hot_host_under_and_never_makes_another_hot()
    {
        // 7 x 8 GiB of 64 GiB = 87.5% against 75%: one move gets it to 75% (not over), and the target stays at 12.5%.
        var moves = RebalancePlanner.Plan([Host("a", 7), Host("b", 0)], On("a", 7), 0.75, 0.95, 10);
        var move = Assert.Single(moves);
        Assert.Equal(("a", "b"), (move.FromHostId, move.ToHostId));
        Assert.Contains("uses 88", move.Reason);
    }

    [Fact]
    public void Moves_stop_when_every_other_host_would_go_over_and_at_the_move_limit()
    {
        Assert.Empty(RebalancePlanner.Plan([Host("a", 8), Host("b", 6)], On("a", 8), 0.75, 0.95, 10));
        Assert.Equal(2, RebalancePlanner.Plan([Host("a", 8), Host("b", 0), Host("c", 0)], On("a", 8), 0.5, 0.95, 2).Length);
    }

    [Fact]
    public void A_host_over_its_cpu_threshold_sheds_load_and_drained_hosts_are_neither_source_nor_target()
    {
        var moves = RebalancePlanner.Plan([Host("a", 2, cpuLoad: 0.97), Host("b", 0, state: HostState.Draining), Host("c", 1)],
            On("a", 2), 0.9, 0.9, 10);
        Assert.NotEmpty(moves);
        Assert.All(moves, m => Assert.Equal(("a", "c"), (m.FromHostId, m.ToHostId)));
        Assert.Contains("CPU", moves[0].Reason);
    }
}
