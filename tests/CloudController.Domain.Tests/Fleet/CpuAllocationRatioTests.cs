using System.Collections.Immutable;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;
using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Fleet;

public class CpuAllocationRatioTests
{
    private static readonly DateTimeOffset Lease = DateTimeOffset.UnixEpoch.AddHours(1);

    private static HostLedger Host(double ratio) =>
        (HostLedger.Empty with { CpuAllocationRatio = ratio })
            .Apply(new HostRegistered(new HostInventory("h", "general", new Resources(8, 65536, 500), [])));

    [Fact]
    public void A_ledger_hands_out_its_cores_times_the_ratio_and_never_more_memory_than_it_has()
    {
        var ledger = Host(4);
        Assert.Equal(new Resources(32, 65536, 500), ledger.Capacity);
        Assert.Equal(new Resources(8, 65536, 500), ledger.PhysicalCapacity);

        var vm = new Resources(4, 1024, 10);
        for (var i = 0; i < 8; i++) ledger = ledger.Apply(ledger.Reserve($"t{i}", vm, Lease).Event!);
        Assert.Contains("needs 4 vCPU, 8192 MiB, 10 GiB, only 0 vCPU", ledger.Reserve("t9", vm with { MemoryMib = 8192 }, Lease).Refusal);
        Assert.True(Host(1).Reserve("big", new Resources(9, 1, 1), Lease).IsRefused);
        Assert.Contains("only 32 vCPU, 65536 MiB", Host(4).Reserve("mem", new Resources(1, 65537, 1), Lease).Refusal);
    }

    [Fact]
    public void Placement_and_pool_children_count_vCPUs_against_the_over_committed_capacity()
    {
        var snapshot = Host(2).ToSnapshot(0, DateTimeOffset.UnixEpoch);
        Assert.Equal(2, snapshot.CpuAllocationRatio);
        var request = PlacementRequest.For(new Resources(12, 1024, 10));
        Assert.True(PlacementPolicy.Default.Decide(request, [snapshot]).Found);
        Assert.False(PlacementPolicy.Default.Decide(request, [Host(1).ToSnapshot(0, DateTimeOffset.UnixEpoch)]).Found);

        // 16 vCPUs at 2:1: a replica of 2 vCPU, then 7 children of 2 vCPU each, however little memory they take.
        var placed = ChildPlacement.Spread(100, [snapshot], ImmutableHashSet<string>.Empty, new Resources(2, 64, 1), new Resources(2, 4096, 40));
        Assert.Equal(7, placed.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_ratio_is_a_positive_number(double ratio) => Assert.NotNull(CpuAllocationRatios.Problem(ratio));

    [Fact]
    public void A_host_of_its_own_overrides_the_fleet_ratio() =>
        Assert.Equal((4.0, 16.0), (new CpuAllocationRatios(16, ImmutableDictionary<string, double>.Empty.Add("a", 4)).For("a"),
            new CpuAllocationRatios(16, ImmutableDictionary<string, double>.Empty.Add("a", 4)).For("b")));
}
