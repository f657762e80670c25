using System.Collections.Immutable;
using CloudController.Domain.Storage;

namespace CloudController.Domain.Tests.Storage;

public class ShareCalculatorTests
{
    private static readonly Datastore Ssd = new("ssd-01", DatastoreKind.Shared, StorageMedia.Ssd, 100);

    private static StoragePool Pool(AllocationPolicy policy, double overcommit = 1.0) =>
        new("p", [Ssd], policy, overcommit, 10, ImmutableDictionary<string, double>.Empty.Add("db", 3).Add("web", 1));

    private static ImmutableDictionary<string, long> Shares(StoragePool pool, params StorageMember[] members) =>
        ShareCalculator.Compute(pool, Ssd, members).Shares!;

    [Fact]
    public void Equal_shares_round_by_largest_remainder_and_never_add_up_past_capacity()
    {
        var shares = Shares(Pool(AllocationPolicy.Equal), new("a", 1), new("b", 1), new("c", 1));
        Assert.Equal(100, shares.Values.Sum());
        Assert.Equal([33L, 33, 34], shares.Values.Order());
    }

    [Fact]
    public void Weighted_shares_follow_explicit_weights_then_roles()
    {
        var shares = Shares(Pool(AllocationPolicy.Weighted), new("db-1", 1, Role: "db"), new("web-1", 1, Role: "web"), new("x", 1, Weight: 4));
        Assert.Equal(new Dictionary<string, long> { ["db-1"] = 38, ["web-1"] = 12, ["x"] = 50 }, shares);
    }

    [Fact]
    public void Baseline_gives_each_its_baseline_holds_the_rest_back_and_never_less_than_held()
    {
        var shares = Shares(Pool(AllocationPolicy.Baseline), new("a", 2), new("b", 15));
        Assert.Equal(10, shares["a"]);
        Assert.Equal(15, shares["b"]);
        Assert.True(shares.Values.Sum() < 100);
    }

    [Fact]
    public void Dynamic_grows_busy_VMs_shrinks_idle_ones_but_never_below_what_they_hold()
    {
        var before = Shares(Pool(AllocationPolicy.Dynamic), new("busy", 10, Activity: 0), new("idle", 30, Activity: 0));
        var after = Shares(Pool(AllocationPolicy.Dynamic), new("busy", 10, Activity: 1), new("idle", 30, Activity: 0));
        Assert.Equal(50, before["busy"]);
        Assert.True(after["busy"] > before["busy"]);
        Assert.Equal(30, after["idle"]); // its proportional share (20) is below what it holds: it keeps 30
        Assert.Equal(100, after.Values.Sum());
    }

    [Fact]
    public void Overcommit_scales_what_a_datastore_allows_and_held_data_over_it_is_refused()
    {
        Assert.Equal(150, Shares(Pool(AllocationPolicy.Equal, 1.5), new("a", 1), new("b", 1)).Values.Sum());
        var (shares, problem) = ShareCalculator.Compute(Pool(AllocationPolicy.Equal), Ssd, [new("a", 70), new("b", 40)]);
        Assert.Null(shares);
        Assert.Contains("hold 110 GiB, more than the 100 GiB", problem);
    }
}
