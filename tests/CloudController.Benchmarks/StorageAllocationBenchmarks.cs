using BenchmarkDotNet.Attributes;
using CloudController.Domain.Storage;

namespace CloudController.Benchmarks;

/// <summary>Re-sharing one datastore among 2,000 VMs under each policy: what a rebalance or a release costs.</summary>
[MemoryDiagnoser]
public class StorageAllocationBenchmarks
{
    private readonly Datastore _datastore = new("san-01", DatastoreKind.Shared, StorageMedia.Ssd, 200_000);
    private List<StorageMember> _members = [];

    [Params(AllocationPolicy.Equal, AllocationPolicy.Weighted, AllocationPolicy.Baseline, AllocationPolicy.Dynamic)]
    public AllocationPolicy Policy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        // A quarter hold more than an equal share would give them, so the floors do real work.
        _members = Enumerable.Range(0, 2000).Select(i => new StorageMember($"vm-{i}", i % 4 == 0 ? random.Next(100, 200) : random.Next(1, 40),
            i % 3 == 0 ? "db" : "web", Activity: random.NextDouble())).ToList();
    }

    [Benchmark]
    public int Shares()
    {
        var pool = new StoragePool("p", [_datastore], Policy, 1.2, 50, System.Collections.Immutable.ImmutableDictionary<string, double>.Empty.Add("db", 3));
        return ShareCalculator.Compute(pool, _datastore, _members).Shares!.Count;
    }
}
