using System.Collections.Immutable;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Domain.Tests.Placement;

public class GroupAndCompatibilityTests
{
    private static HostSnapshot Host(string id, string hardwareClass = "general", string[]? groups = null, string[]? images = null, long freeMemory = 32768) =>
        new(id, HostState.Active, hardwareClass, [], new Resources(32, 65536, 1000), Resources.Zero,
            new Resources(0, 65536 - freeMemory, 0), 0, 0, 0, DateTimeOffset.UnixEpoch,
            (groups ?? []).ToImmutableHashSet(), (images ?? []).ToImmutableHashSet());

    private static readonly PlacementRequest Small = PlacementRequest.For(new Resources(1, 1024, 10));

    [Fact]
    public void Only_allowed_hardware_classes_are_candidates()
    {
        var decision = PlacementPolicy.Default.Decide(Small with { HardwareClasses = ["compute"] }, [Host("a"), Host("b", "compute")]);
        Assert.Equal(["b"], decision.Candidates.ToArray());
        Assert.Equal("is general hardware, not compute", decision.Rejections.Single().Reason);
    }

    [Fact]
    public void Anti_affinity_keeps_a_group_off_hosts_that_run_it_and_says_so()
    {
        var request = Small with { Group = "web", GroupPolicy = GroupPolicy.AntiAffinity };
        var hosts = new[] { Host("a", groups: ["web"]), Host("b", groups: ["web"]), Host("c", groups: ["db"]) };

        Assert.Equal(["c"], PlacementPolicy.Default.Decide(request, hosts).Candidates.ToArray());
        var full = PlacementPolicy.Default.Decide(request, hosts.Take(2).ToList());
        Assert.Equal("no host fits 1 vCPU, 1024 MiB, 10 GiB: 2 hosts considered: 2 already run a VM of group web",
            PlacementExplanation.Explain(full, request));
    }

    [Fact]
    public void Affinity_lets_a_groups_first_VM_go_anywhere_and_keeps_the_rest_with_it()
    {
        var request = Small with { Group = "cache", GroupPolicy = GroupPolicy.Affinity };

        Assert.Equal(2, PlacementPolicy.Default.Decide(request, [Host("a"), Host("b")]).Candidates.Length);
        var decision = PlacementPolicy.Default.Decide(request, [Host("a", freeMemory: 60000), Host("b", groups: ["cache"], freeMemory: 4096)]);
        Assert.Equal(["b"], decision.Candidates.ToArray());
        Assert.Equal("affinity", decision.Rejections.Single().Filter);
    }

    [Fact]
    public void A_host_that_has_the_image_cached_is_preferred_over_a_slightly_emptier_one()
    {
        var request = Small with { Image = "ubuntu-24.04" };
        var decision = PlacementPolicy.Default.Decide(request, [Host("empty", freeMemory: 36000), Host("cached", images: ["ubuntu-24.04"], freeMemory: 32768)]);
        Assert.Equal("cached", decision.Candidates[0]);
        // Caching is worth a tenth of the host's memory, not more: a much emptier host still wins.
        var emptier = PlacementPolicy.Default.Decide(request, [Host("empty", freeMemory: 60000), Host("cached", images: ["ubuntu-24.04"], freeMemory: 20000)]);
        Assert.Equal("empty", emptier.Candidates[0]);
    }

    [Fact]
    public void The_ledger_knows_which_groups_a_host_runs_through_reserve_commit_and_release()
    {
        var ledger = HostLedger.Empty.Apply(new HostRegistered(new HostInventory("h", "general", new Resources(8, 8192, 100), [])));
        ledger = ledger.Apply(ledger.Reserve("t1", new Resources(1, 1024, 10), DateTimeOffset.MaxValue, "web").Event!);
        Assert.Equal(["web"], ledger.Groups.ToArray());
        Assert.Equal("already runs a VM of group web", ledger.Reserve("t2", new Resources(1, 1024, 10), DateTimeOffset.MaxValue, "web", antiAffinity: true).Refusal);
        Assert.False(ledger.Reserve("t3", new Resources(1, 1024, 10), DateTimeOffset.MaxValue, "web").IsRefused);
        ledger = ledger.Apply(ledger.Commit("t1", "vm-1").Event!);
        Assert.Equal(["web"], ledger.ToSnapshot(0, DateTimeOffset.UnixEpoch).Groups!.ToArray());
        ledger = ledger.Apply(ledger.ReleaseAllocation("vm-1").Event!);
        Assert.Empty(ledger.Groups);
    }
}
