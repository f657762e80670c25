using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;

namespace CloudController.Domain.Tests.Placement;

public class NamedHostPlacementTests
{
    [Fact]
    public void A_named_host_that_fits_is_chosen_even_when_it_is_not_among_the_best_few()
    {
        // Eight hosts, the named one the fullest: it ranks last under spread, yet it fits.
        var hosts = Enumerable.Range(1, 8).Select(i =>
            (HostLedger.Empty.Apply(new HostRegistered(new HostInventory($"h{i}", "general", new Resources(32, 65536 + i * 1024, 500), []))))
            .ToSnapshot(0, DateTimeOffset.UnixEpoch)).ToList();
        var request = PlacementRequest.For(new Resources(2, 4096, 40));

        var chosen = PlacementPolicy.Default.Decide(request, hosts, int.MaxValue).RestrictTo("h1");
        Assert.Equal(["h1"], chosen.Candidates.ToArray());
        Assert.False(PlacementPolicy.Default.Decide(request, hosts).RestrictTo("h1").Found);
        Assert.Equal("target", PlacementPolicy.Default.Decide(request, hosts, int.MaxValue).RestrictTo("h9").Rejections[0].Filter);
    }
}
