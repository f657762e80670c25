using CloudController.Domain.Fleet;

namespace CloudController.Domain.Tests.Fleet;

public class HostReachabilityTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_host_is_unreachable_only_once_silent_for_the_window_and_silence_counts_from_the_first_failure()
    {
        var silent = HostReachability.Started.Failed(Now).Failed(Now.AddSeconds(5));
        Assert.False(silent.IsUnreachable(Now.AddSeconds(9), Window));
        Assert.True(silent.IsUnreachable(Now.AddSeconds(10), Window));
    }

    [Fact]
    public void It_reconciles_at_its_first_answer_and_after_being_unreachable_not_after_a_short_silence()
    {
        var (answered, first) = HostReachability.Started.Answered(Now, Window, Every);
        Assert.True(first);
        var (_, afterBlip) = answered.Failed(Now).Answered(Now.AddSeconds(3), Window, Every);
        Assert.False(afterBlip);
        var (back, afterOutage) = answered.Failed(Now).Answered(Now.AddSeconds(30), Window, Every);
        Assert.True(afterOutage);
        Assert.False(back.IsUnreachable(Now.AddSeconds(60), Window));
    }

    [Fact]
    public void A_host_that_never_went_away_reconciles_again_once_the_period_has_passed_since_it_last_did()
    {
        var (answered, _) = HostReachability.Started.Answered(Now, Window, Every);
        var (steady, early) = answered.Answered(Now.AddSeconds(59), Window, Every);
        Assert.False(early);
        var (again, due) = steady.Answered(Now.AddSeconds(60), Window, Every);
        Assert.True(due);
        // The period counts from the last reconciliation, not from the first.
        Assert.False(again.Answered(Now.AddSeconds(100), Window, Every).Reconcile);
        Assert.True(again.Answered(Now.AddSeconds(120), Window, Every).Reconcile);
    }

    [Fact]
    public void Drift_names_vms_no_record_knows_and_recorded_vms_the_host_no_longer_has()
    {
        var ledger = HostLedger.Empty.Apply(new CapacityAllocated("web", ["vm-a", "vm-b"], new Resources(1, 512, 10)));

        var drift = HostDrift.Between(ledger, ["vm-x", "vm-a"]);
        Assert.Equal(["vm-x"], drift.UnknownVms.ToArray());
        Assert.Equal(["vm-b"], drift.LostVms.ToArray());
        Assert.Equal("VMs no record knows: vm-x; recorded VMs gone from the host (lost): vm-b", drift.ToString());
        Assert.True(HostDrift.Between(ledger, ["vm-b", "vm-a"]).IsEmpty);
    }
}
