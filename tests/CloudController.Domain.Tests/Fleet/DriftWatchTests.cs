using CloudController.Domain.Fleet;

namespace CloudController.Domain.Tests.Fleet;

public class DriftWatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static readonly HostLedger Ledger = HostLedger.Empty.Apply(new CapacityAllocated("web", ["vm-a", "vm-b"], new Resources(1, 512, 10)));

    private static DriftWatch Seen(params (string[] OnHost, DateTimeOffset At)[] checks) =>
        checks.Aggregate(DriftWatch.None, (watch, check) => watch.Observe(HostDrift.Between(Ledger, check.OnHost), check.At));

    [Fact]
    public void Drift_is_due_only_when_seen_at_two_checks_spanning_the_grace()
    {
        var first = Seen((["vm-a", "vm-x"], Now));
        Assert.True(first.IsWatching);
        Assert.Empty(first.UnknownPast(Grace, Now));
        Assert.Empty(first.LostPast(Grace, Now));

        var later = Seen((["vm-a", "vm-x"], Now), (["vm-a", "vm-x"], Now.AddMinutes(4)));
        Assert.Empty(later.UnknownPast(Grace, Now.AddMinutes(4)));

        var past = Seen((["vm-a", "vm-x"], Now), (["vm-a", "vm-x"], Now.AddMinutes(4)), (["vm-a", "vm-x"], Now.AddMinutes(5)));
        Assert.Equal(["vm-x"], past.UnknownPast(Grace, Now.AddMinutes(5)).ToArray());
        Assert.Equal(["vm-b"], past.LostPast(Grace, Now.AddMinutes(5)).ToArray());
        Assert.Contains("host h1 no longer has it: missing since at least 2026-12-04 12:00:00Z", past.LossReason("vm-b", "h1", Grace));
        Assert.Null(past.LossReason("vm-a", "h1", Grace));
    }

    [Fact]
    public void A_vm_that_stops_drifting_is_forgotten_and_drifting_again_starts_a_new_grace()
    {
        // vm-x disappears (its task rolled back), vm-b comes back (a migration landed): both settle.
        var settled = Seen((["vm-a", "vm-x"], Now), (["vm-a", "vm-b"], Now.AddMinutes(3)));
        Assert.False(settled.IsWatching);

        var again = Seen((["vm-a", "vm-x"], Now), (["vm-a", "vm-b"], Now.AddMinutes(3)), (["vm-a", "vm-x"], Now.AddMinutes(6)));
        Assert.Empty(again.UnknownPast(Grace, Now.AddMinutes(6)));
        Assert.Equal(["vm-x"], again.UnknownPast(Grace, Now.AddMinutes(11)).ToArray());
    }

    [Fact]
    public void An_unknown_vm_past_its_grace_is_destroyed_only_by_the_destroy_policy_and_only_when_no_record_knows_it()
    {
        var past = Seen((["vm-a", "vm-b", "vm-x"], Now), (["vm-a", "vm-b", "vm-x"], Now.AddMinutes(5)));

        var reason = past.DestructionReason("vm-x", UnknownVmPolicy.Destroy, recordKnowsIt: false, Ledger, Grace);
        Assert.NotNull(reason);
        Assert.Contains("no record knows it", reason);
        Assert.Contains("2026-12-04 12:00:00Z", reason);
        Assert.Null(past.DestructionReason("vm-x", UnknownVmPolicy.Keep, recordKnowsIt: false, Ledger, Grace));
        // A task creating it or a migration landing it has its record: left alone however long that takes.
        Assert.Null(past.DestructionReason("vm-x", UnknownVmPolicy.Destroy, recordKnowsIt: true, Ledger, Grace));
        // Committed to the ledger while the record was being asked for.
        var committed = Ledger.Apply(new CapacityAllocated("web", ["vm-x"], new Resources(1, 512, 10)));
        Assert.Null(past.DestructionReason("vm-x", UnknownVmPolicy.Destroy, recordKnowsIt: false, committed, Grace));
        // No longer watched (it went away).
        Assert.Null(past.DestructionReason("vm-y", UnknownVmPolicy.Destroy, recordKnowsIt: false, Ledger, Grace));
    }

    [Fact]
    public void The_ledger_journals_drift_only_when_it_names_other_vms_and_replaying_its_journal_keeps_each_vms_time()
    {
        var first = Ledger.ObserveDrift(HostDrift.Between(Ledger, ["vm-a", "vm-x"]), Now);
        var observed = Assert.IsType<DriftObserved>(first.Event);
        Assert.Equal(["vm-x"], observed.UnknownVms.ToArray());
        Assert.Equal(["vm-b"], observed.LostVms.ToArray());
        Assert.Equal(Now, observed.At);
        var watched = Ledger.Apply(observed);

        // The same drift later changes nothing: no event, and vm-x keeps the time it was first seen.
        Assert.Equal(Decision.AlreadyDone, watched.ObserveDrift(HostDrift.Between(watched, ["vm-a", "vm-x"]), Now.AddMinutes(4)));

        // A new unknown VM is journaled; replayed as a restarted entity would, the watch keeps both times.
        var more = watched.ObserveDrift(HostDrift.Between(watched, ["vm-a", "vm-x", "vm-y"]), Now.AddMinutes(4)).Event!;
        var replayed = new IDomainEvent[] { new CapacityAllocated("web", ["vm-a", "vm-b"], new Resources(1, 512, 10)), observed, more }
            .Aggregate(HostLedger.Empty, (ledger, e) => ledger.Apply(e));
        Assert.Equal(["vm-x"], replayed.Watch.UnknownPast(Grace, Now.AddMinutes(5)).ToArray());
        Assert.Equal(["vm-x", "vm-y"], replayed.Watch.UnknownPast(Grace, Now.AddMinutes(9)).ToArray());
        Assert.Equal(["vm-b"], replayed.Watch.LostPast(Grace, Now.AddMinutes(5)).ToArray());

        // Settled: journaled, and the watch is empty.
        var settled = replayed.ObserveDrift(HostDrift.Between(replayed, ["vm-a", "vm-b"]), Now.AddMinutes(6)).Event!;
        Assert.False(replayed.Apply(settled).Watch.IsWatching);
    }
}
