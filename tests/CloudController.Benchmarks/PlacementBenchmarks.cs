using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Benchmarks;

/// <summary>
/// One placement decision over a fleet of N hosts, about a third of them unable to take the VM (full, draining, or
/// missing a CPU flag) so that the filters and the rejection list do real work.
/// </summary>
[MemoryDiagnoser]
public class PlacementBenchmarks
{
    private List<HostSnapshot> _hosts = [];
    private PlacementRequest _request = null!;

    [Params(1_000, 10_000, 100_000)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _hosts = Enumerable.Range(0, Hosts).Select(i =>
        {
            var allocatedMemory = random.Next(0, 131072);
            var state = i % 50 == 0 ? HostState.Draining : HostState.Active;
            ImmutableArray<string> flags = i % 7 == 0 ? ["sse4_2"] : ["sse4_2", "avx", "avx2"];
            return new HostSnapshot($"host-{i:000000}", state, "general", flags,
                new Resources(64, 131072, 4000), Resources.Zero, new Resources(random.Next(0, 64), allocatedMemory, random.Next(0, 4000)),
                random.Next(0, 40), 0, random.NextDouble(), DateTimeOffset.UnixEpoch);
        }).ToList();
        _request = PlacementRequest.For(new Resources(4, 16384, 80)) with { RequiredCpuFlags = ["avx2"] };
    }

    [Benchmark]
    public PlacementDecision Decide() => PlacementPolicy.Default.Decide(_request, _hosts);
}
