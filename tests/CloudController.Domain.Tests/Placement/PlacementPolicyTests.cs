using System.Collections.Immutable;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;
using CsCheck;

namespace CloudController.Domain.Tests.Placement;

public class PlacementPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static HostSnapshot Host(string id, long freeMemory, HostState state = HostState.Active, double load = 0, int vms = 0,
        string[]? flags = null, int freeCores = 32, long freeDisk = 1000) =>
        new(id, state, "general", (flags ?? ["avx"]).ToImmutableArray(),
            new Resources(32, 65536, 1000),
            Resources.Zero,
            new Resources(32 - freeCores, 65536 - freeMemory, 1000 - freeDisk),
            vms, 0, load, Now);

    private static PlacementRequest Need(long memory, int cores = 2, long disk = 40) => PlacementRequest.For(new Resources(cores, memory, disk));

    [Fact]
    public void Each_rejected_host_gets_one_rejection_from_the_first_filter_it_fails()
    {
        var hosts = new[]
        {
            Host("a", 1024, HostState.Draining),             // draining and full: state comes first
            Host("b", 1024),
            Host("c", 65536, flags: []),
            Host("d", 65536),
            Host("e", 65536, freeCores: 1),
            Host("f", 65536, freeDisk: 10),
        };
        var request = Need(8192) with { RequiredCpuFlags = ["avx"], ExcludedHosts = ["d"] };

        var decision = PlacementPolicy.Default.Decide(request, hosts);

        Assert.False(decision.Found);
        Assert.Equal(6, decision.HostsConsidered);
        Assert.Equal(
            [("a", "state"), ("b", "capacity"), ("c", "cpu-flags"), ("d", "excluded"), ("e", "capacity"), ("f", "capacity")],
            decision.Rejections.Select(r => (r.HostId, r.Filter)));
        Assert.Contains("needs 8192 MiB, 1024 MiB free", decision.Rejections[1].Reason);
        Assert.Contains("lacks CPU", decision.Rejections[4].Reason);
        Assert.Contains("lacks disk", decision.Rejections[5].Reason);
    }

    [Fact]
    public void Spread_prefers_free_memory_then_idle_cpu_then_fewer_vms_then_host_id()
    {
        var hosts = new[]
        {
            Host("busy", 32768, load: 0.9),
            Host("idle", 32768, load: 0.1),
            Host("emptiest", 60000),
            Host("b-tie", 16384),
            Host("a-tie", 16384),
        };

        var decision = PlacementPolicy.Default.Decide(Need(4096), hosts);

        Assert.Equal(["emptiest", "idle", "busy", "a-tie", "b-tie"], decision.Candidates.ToArray());
    }

    [Fact]
    public void Pack_prefers_the_fullest_host_that_still_fits()
    {
        var hosts = new[] { Host("roomy", 60000), Host("snug", 8192), Host("too-small", 2048) };

        var decision = PlacementPolicy.Default.Decide(Need(4096) with { Strategy = PlacementStrategy.Pack }, hosts);

        Assert.Equal(["snug", "roomy"], decision.Candidates.ToArray());
    }

    [Fact]
    public void Returns_at_most_the_requested_number_of_candidates_best_first()
    {
        var hosts = Enumerable.Range(0, 100).Select(i => Host($"h{i:000}", 1000 + i * 100)).ToList();

        var decision = PlacementPolicy.Default.Decide(Need(512), hosts, maxCandidates: 3);

        Assert.Equal(["h099", "h098", "h097"], decision.Candidates.ToArray());
        Assert.Empty(decision.Rejections);
    }

    [Fact]
    public void Explains_a_failure_with_rejections_counted_by_reason_never_a_bare_no()
    {
        var hosts = new[]
        {
            Host("a", 1024), Host("b", 2048), Host("c", 4096), Host("d", 1000),
            Host("e", 65536, HostState.Draining), Host("f", 65536, HostState.Draining),
            Host("g", 65536, flags: []),
        };
        var request = Need(8192, cores: 4) with { RequiredCpuFlags = ["avx"] };

        var text = PlacementExplanation.Explain(PlacementPolicy.Default.Decide(request, hosts), request);

        Assert.Equal("no host fits 4 vCPU, 8192 MiB, 40 GiB: 7 hosts considered: 4 lack memory, 2 draining, 1 lacks CPU flag avx", text);
    }

    [Fact]
    public void Explains_a_choice_and_an_empty_fleet()
    {
        var request = Need(4096);
        var chosen = PlacementExplanation.Explain(PlacementPolicy.Default.Decide(request, [Host("a", 60000), Host("b", 1024)]), request);
        Assert.Equal("a (most free memory) of 1 fitting hosts; 1 rejected: 1 lacks memory", chosen);

        var empty = PlacementExplanation.Explain(PlacementPolicy.Default.Decide(request, []), request);
        Assert.Contains("knows no hosts yet", empty);
    }

    [Fact]
    public void Flexible_memory_grants_the_desired_amount_when_it_fits_else_the_most_that_fits_never_below_the_minimum()
    {
        var hosts = new[] { Host("a", 6144), Host("b", 3072) };
        var request = Need(0);

        var (fits, granted) = PlacementPolicy.Default.DecideWithFlexibleMemory(request, 4096, 2048, hosts);
        Assert.Equal(4096, granted);
        Assert.Equal(["a"], fits.Candidates.ToArray());

        var (shrunk, less) = PlacementPolicy.Default.DecideWithFlexibleMemory(request, 8192, 2048, hosts);
        Assert.Equal(6144, less);
        Assert.Equal("a", shrunk.Candidates[0]);

        var (none, minimum) = PlacementPolicy.Default.DecideWithFlexibleMemory(request, 16384, 8192, hosts);
        Assert.False(none.Found);
        Assert.Equal(8192, minimum);
    }

    [Fact]
    public void Candidates_always_fit_and_every_host_is_either_a_candidate_or_rejected()
    {
        var host = Gen.Select(Gen.Int[0, 65536], Gen.Int[0, 32], Gen.Enum<HostState>(), Gen.Bool, Gen.Double[0, 1]);
        Gen.Select(host.List[0, 40], Gen.Int[1, 40000], Gen.Int[1, 8], Gen.Int[1, 6])
            .Sample((specs, memory, cores, max) =>
            {
                var hosts = specs.Select((s, i) => Host($"h{i:00}", s.Item1, s.Item3, s.Item5, flags: s.Item4 ? ["avx"] : [], freeCores: s.Item2)).ToList();
                var request = Need(memory, cores) with { RequiredCpuFlags = ["avx"] };

                var decision = PlacementPolicy.Default.Decide(request, hosts, max);

                var fitting = hosts.Where(h => h.State == HostState.Active && h.CpuFlags.Contains("avx") && request.Amount.FitsWithin(h.Free)).ToList();
                Assert.Equal(Math.Min(max, fitting.Count), decision.Candidates.Length);
                Assert.All(decision.Candidates, id => Assert.Contains(fitting, h => h.HostId == id));
                Assert.Equal(hosts.Count - fitting.Count, decision.Rejections.Length);
                Assert.Equal(decision.Rejections.Length, decision.Rejections.Select(r => r.HostId).Distinct().Count());
            });
    }
}
