using CloudController.Domain.Disks;
using CsCheck;

namespace CloudController.Domain.Tests.Disks;

public class DiskLayerStoreTests
{
    private static DiskLayerStore Ok(DiskChange change)
    {
        Assert.Null(change.Refusal);
        return change.Store;
    }

    private static readonly DiskLayerStore WithBase = Ok(DiskLayerStore.Empty.AddBase("base", "ubuntu", 10));

    [Fact]
    public void A_chain_falls_through_from_the_outermost_layer_to_its_base()
    {
        var store = Ok(WithBase.AddCopyOnWrite("os", "base", 20, 1));
        store = Ok(store.AddCopyOnWrite("redo", "os", 20, 1));

        Assert.Equal(["redo", "os", "base"], store.Chain("redo").Select(l => l.LayerId));
        Assert.Empty(store.Chain("missing"));
    }

    [Fact]
    public void Clones_share_their_inner_layers_which_count_once()
    {
        var store = WithBase;
        for (var i = 0; i < 5; i++)
        {
            store = Ok(store.AddCopyOnWrite($"clone-{i}", "base", 40, 1));
            store = Ok(store.Attach($"vm-{i}", $"clone-{i}"));
        }

        Assert.Equal(10 + 5 * 1, store.AllocatedGib);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal("base", store.Chain($"clone-{i}")[^1].LayerId));
    }

    [Fact]
    public void A_layer_in_use_or_with_children_is_never_deleted()
    {
        var store = Ok(WithBase.AddCopyOnWrite("os", "base", 20, 1));
        store = Ok(store.Attach("vm-1", "os"));

        Assert.Contains("in use by VM vm-1", store.Delete("os").Refusal);
        Assert.Contains("parent of other layers", store.Delete("base").Refusal);
        Assert.Contains("read-only", store.Attach("vm-2", "base").Refusal);
        Assert.Contains("already written by another VM", store.Attach("vm-2", "os").Refusal);

        store = Ok(store.Detach("vm-1"));
        store = Ok(store.Delete("os"));
        store = Ok(store.Delete("base"));
        Assert.Empty(store.Layers);
    }

    [Fact]
    public void Repeating_a_change_is_a_no_op_and_a_conflicting_one_is_refused()
    {
        Assert.Same(WithBase, WithBase.AddBase("base", "ubuntu", 10).Store);
        Assert.Contains("another definition", WithBase.AddBase("base", "debian", 10).Refusal);
        var store = Ok(WithBase.AddCopyOnWrite("os", "base", 20, 1));
        Assert.Same(store, store.AddCopyOnWrite("os", "base", 20, 1).Store);
        Assert.Contains("another definition", store.AddCopyOnWrite("os", "base", 30, 1).Refusal);
        Assert.Contains("cannot be smaller", store.AddCopyOnWrite("tiny", "base", 5, 1).Refusal);
        Assert.Same(store, store.Delete("never-there").Store);
    }

    [Fact]
    public void Random_sequences_never_delete_a_layer_in_use_and_usage_is_the_sum_of_distinct_layers()
    {
        // Operations: 0 add a layer over a random existing one, 1 attach a VM, 2 detach, 3 delete, 4 rebase onto the base;
        // ids drawn from small sets.
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 7], Gen.Int[0, 7], Gen.Int[0, 4]).List[1, 80].Sample(operations =>
        {
            var store = WithBase;
            foreach (var (kind, layer, parent, vm) in operations)
            {
                var layerId = $"l{layer}";
                var before = store;
                var change = kind switch
                {
                    0 => store.AddCopyOnWrite(layerId, parent == 0 ? "base" : $"l{parent}", 20, 1),
                    1 => store.Attach($"vm{vm}", layerId),
                    2 => store.Detach($"vm{vm}"),
                    3 => store.Delete(layerId),
                    _ => store.Layers.ContainsKey(layerId) ? DiskChange.To(store.Rebase(layerId, "base", 1)) : DiskChange.Refuse("no layer"),
                };
                if (change.IsRefused) continue;
                store = change.Store;

                if (kind == 3 && before.Layers.ContainsKey(layerId))
                {
                    Assert.DoesNotContain(layerId, before.AttachedVms.Values);
                    Assert.DoesNotContain(before.Layers.Values, l => l.ParentLayerId == layerId);
                }
                // The lookups a delete or attach relies on say what a scan would.
                Assert.Equal(
                    store.Layers.Values.Where(l => l.ParentLayerId is not null).GroupBy(l => l.ParentLayerId!).ToDictionary(g => g.Key, g => g.Count()),
                    store.Children.ToDictionary());
                Assert.Equal(store.AttachedVms.ToDictionary(a => a.Value, a => a.Key), store.Writers.ToDictionary());
                Assert.All(store.AttachedVms.Values, attached => Assert.True(store.Layers.ContainsKey(attached)));
                Assert.All(store.Layers.Values, l => Assert.True(l.ParentLayerId is null || store.Layers.ContainsKey(l.ParentLayerId)));
                Assert.Equal(store.Layers.Values.Sum(l => l.AllocatedGib), store.AllocatedGib);
            }
        });
    }
}
