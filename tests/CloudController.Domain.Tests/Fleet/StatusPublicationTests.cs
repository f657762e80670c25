using System.Collections.Immutable;
using CloudController.Domain.Fleet;

namespace CloudController.Domain.Tests.Fleet;

public class StatusPublicationTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch.AddDays(1);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    // Started long enough ago that it no longer sends after every check.
    private static readonly StatusPublication Quiet = StatusPublication.StartingAt(T0.AddMinutes(-1), TimeSpan.FromSeconds(20));

    private static readonly HostLedger Ledger =
        HostLedger.Empty.Apply(new HostRegistered(new HostInventory("h", "general", new Resources(8, 16384, 500), [])));

    private static HostSnapshot Status(double load = 0.2, DateTimeOffset? at = null, params string[] images) =>
        Ledger.ToSnapshot(load, at ?? T0, images.ToImmutableHashSet());

    [Fact]
    public void The_first_status_goes_out_and_a_repeat_of_it_does_not_until_the_refresh_interval_passes()
    {
        Assert.True(Quiet.IsDue(Status(), T0, Refresh));
        var sent = Quiet.Sent(Status(), T0);
        // Observed later, with its sets built anew: nothing placement reads changed.
        Assert.False(sent.IsDue(Status(at: T0.AddSeconds(2), images: []), T0.AddSeconds(2), Refresh));
        Assert.False(sent.IsDue(Status(load: 0.22, at: T0.AddSeconds(29)), T0.AddSeconds(29), Refresh));
        Assert.True(sent.IsDue(Status(at: T0.AddSeconds(30)), T0.AddSeconds(30), Refresh));
    }

    [Fact]
    public void Any_change_placement_reads_goes_out_at_once()
    {
        var sent = Quiet.Sent(Status(), T0);
        var soon = T0.AddSeconds(1);
        var reserved = Ledger.Apply(new CapacityReserved("t1", new Resources(1, 1024, 10), T0.AddHours(1))).ToSnapshot(0.2, soon);
        Assert.True(sent.IsDue(reserved, soon, Refresh));
        Assert.True(sent.IsDue(Status(load: 0.3), soon, Refresh));
        Assert.True(sent.IsDue(Status(images: "debian-12"), soon, Refresh));
        Assert.True(sent.IsDue(Status() with { State = HostState.Offline }, soon, Refresh));
        Assert.True(sent.IsDue(Status() with { Drift = new HostDrift([], ["vm-1"]) }, soon, Refresh));
    }

    [Fact]
    public void A_host_that_just_started_sends_after_every_check_until_its_eager_window_ends()
    {
        var starting = StatusPublication.StartingAt(T0, TimeSpan.FromSeconds(20)).Sent(Status(), T0);
        Assert.True(starting.IsDue(Status(at: T0.AddSeconds(2)), T0.AddSeconds(2), Refresh));
        Assert.False(starting.IsDue(Status(at: T0.AddSeconds(21)), T0.AddSeconds(21), Refresh));
    }
}
