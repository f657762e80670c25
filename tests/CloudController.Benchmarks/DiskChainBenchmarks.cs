using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using CloudController.Domain.Disks;

namespace CloudController.Benchmarks;

/// <summary>
/// Disk chains in a datastore of 10,000 layers: resolving a clone's chain of a given depth (what every clone, fork
/// and migration does), planning its disk for each layout, and deleting a leaf layer (which must first prove
/// nothing depends on it).
/// </summary>
[MemoryDiagnoser]
public class DiskChainBenchmarks
{
    private const int Layers = 10_000;

    private DiskLayerStore _store = DiskLayerStore.Empty;
    private DiskLayerStore _hostCache = DiskLayerStore.Empty;
    private ImmutableArray<DiskLayer> _chain;
    private string _top = "";

    [Params(4, 32)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // 100 bases with chains of the given depth; the rest are clones' top layers spread over those chains.
        var store = DiskLayerStore.Empty;
        var tops = new List<string>();
        for (var b = 0; b < 100; b++)
        {
            store = store.AddBase($"base-{b}", $"image-{b}", 40, shared: true).Store;
            var parent = $"base-{b}";
            for (var d = 1; d < Depth; d++)
            {
                var id = $"layer-{b}-{d}";
                store = store.AddCopyOnWrite(id, parent, 40, 1).Store;
                parent = id;
            }
            tops.Add(parent);
        }
        for (var i = store.Layers.Count; i < Layers; i++) store = store.AddCopyOnWrite($"clone-{i}", tops[i % tops.Count], 40, 1).Store;
        _store = store;
        _top = tops[42];
        _chain = store.Chain(_top);
        _hostCache = DiskLayerStore.Empty;
    }

    [Benchmark]
    public ImmutableArray<DiskLayer> ResolveChain() => _store.Chain(_top);

    [Benchmark]
    public ImmutableArray<DiskAction> PlanSharedInnerLayers() => DiskPlan.For(DiskLayout.SharedInnerLayers, _chain, "host-1", "new-top", _hostCache);

    [Benchmark]
    public ImmutableArray<DiskAction> PlanPerHostCache() => DiskPlan.For(DiskLayout.PerHostCache, _chain, "host-1", "new-top", _hostCache);

    [Benchmark]
    public DiskChange DeleteLeaf() => _store.Delete($"clone-{Layers - 1}");
}
