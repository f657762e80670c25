using CloudController.Domain.Fleet;
using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Pools;

public class ChildPlacementTests
{
    private static HostSnapshot Host(string id, long freeMemory, int cores = 64) =>
        new(id, HostState.Active, "general", [], new Resources(cores, freeMemory, 1000), Resources.Zero, Resources.Zero, 0, 0, 0, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Fills_the_emptiest_host_first_and_counts_the_replica_once_per_host()
    {
        var child = new Resources(1, 100, 1);
        var replica = new Resources(1, 1000, 10);
        var placed = ChildPlacement.Spread(10, [Host("a", 2000), Host("b", 1500)], new HashSet<string> { "b" }, child, replica);

        // a pays for its replica once (1000), then each child 100; b already has one. What is left stays level.
        Assert.Equal(10, placed.Count);
        var leftOnA = 2000 - 1000 - 100 * placed.Count(h => h == "a");
        var leftOnB = 1500 - 100 * placed.Count(h => h == "b");
        Assert.InRange(Math.Abs(leftOnA - leftOnB), 0, 100);
        Assert.Equal("a", placed[0]); // the emptiest host first
    }

    [Fact]
    public void Places_fewer_when_the_hosts_are_full_never_more_than_fits()
    {
        var child = new Resources(2, 64, 1);
        var placed = ChildPlacement.Spread(100, [Host("a", 100_000, cores: 10)], new HashSet<string> { "a" }, child, Resources.Zero);
        Assert.Equal(5, placed.Count); // cores run out first
    }
}
