using System.Collections.Immutable;
using CloudController.Domain.Disks;

namespace CloudController.Domain.Tests.Disks;

public class DiskPlanTests
{
    private static readonly ImmutableArray<DiskLayer> Chain =
    [
        new("golden-redo", "golden-base", null, 40, 3),
        new("golden-base", null, "ubuntu", 20, 20),
    ];

    [Fact]
    public void Shared_inner_layers_copy_nothing_and_only_create_the_top()
    {
        var plan = DiskPlan.For(DiskLayout.SharedInnerLayers, Chain, "h1", "vm-1-disk", DiskLayerStore.Empty);
        Assert.Equal(
            [new DiskAction.Link("golden-base"), new DiskAction.Link("golden-redo"), new DiskAction.CreateTop("vm-1-disk", "golden-redo")],
            plan.ToArray());
        Assert.Equal(0, DiskPlan.CopiedGib(plan, Chain));
    }

    [Fact]
    public void A_full_copy_flattens_the_whole_chain_every_time()
    {
        var plan = DiskPlan.For(DiskLayout.FullCopy, Chain, "h1", "vm-1-disk", DiskLayerStore.Empty);
        Assert.IsType<DiskAction.Flatten>(plan[0]);
        Assert.Equal(new DiskAction.CreateTop("vm-1-disk", "vm-1-disk-flat"), plan[1]);
        Assert.Equal(23, DiskPlan.CopiedGib(plan, Chain));
    }

    [Fact]
    public void A_per_host_cache_copies_the_chain_to_a_host_once_then_shares_it_there()
    {
        var first = DiskPlan.For(DiskLayout.PerHostCache, Chain, "h1", "vm-1-disk", DiskLayerStore.Empty);
        Assert.Equal(23, DiskPlan.CopiedGib(first, Chain));
        Assert.Equal(new DiskAction.CreateTop("vm-1-disk", "golden-redo@h1"), first[^1]);

        var cached = DiskLayerStore.Empty.AddBase("golden-base@h1", "ubuntu", 20).Store
            .AddCopyOnWrite("golden-redo@h1", "golden-base@h1", 40, 3).Store;
        var second = DiskPlan.For(DiskLayout.PerHostCache, Chain, "h1", "vm-2-disk", cached);
        Assert.Equal(0, DiskPlan.CopiedGib(second, Chain));
        Assert.All(second.SkipLast(1), a => Assert.IsType<DiskAction.Link>(a));

        var otherHost = DiskPlan.For(DiskLayout.PerHostCache, Chain, "h2", "vm-3-disk", cached);
        Assert.Equal(23, DiskPlan.CopiedGib(otherHost, Chain));
    }
}
