using CloudController.Domain.Fleet;

namespace CloudController.Domain.Tests.Fleet;

public class HostStateHistoryTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch.AddDays(1);
    private static readonly HostLedger Registered =
        HostLedger.Empty.Apply(new HostRegistered(new HostInventory("h", "general", new Resources(8, 16384, 500), [])));

    private static HostLedger Do(HostLedger ledger, Decision decision) =>
        decision.Event is { } e ? ledger.Apply(e) : ledger;

    [Fact]
    public void Each_state_change_is_kept_with_its_time_reason_and_caller_and_a_repeated_one_is_not()
    {
        var ledger = Do(Registered, Registered.SetState(HostState.Maintenance, "firmware update", "alice", T0));
        Assert.Same(Decision.AlreadyDone, ledger.SetState(HostState.Maintenance, "again", "bob", T0.AddMinutes(1)));
        ledger = Do(ledger, ledger.SetState(HostState.Active, "updated", null, T0.AddMinutes(5)));

        Assert.Equal(
            [new HostStateChange(T0, "maintenance", "firmware update", "alice"), new HostStateChange(T0.AddMinutes(5), "active", "updated", null)],
            ledger.StateHistory);
    }

    [Fact]
    public void Unreachable_and_returned_are_recorded_once_per_transition()
    {
        var ledger = Do(Registered, Registered.ObserveReachability(true, "answered", T0));
        Assert.Empty(ledger.StateHistory);

        ledger = Do(ledger, ledger.ObserveReachability(false, "silent for 30s: connection refused", T0.AddMinutes(1)));
        Assert.Same(Decision.AlreadyDone, ledger.ObserveReachability(false, "still silent", T0.AddMinutes(2)));
        Assert.True(ledger.RecordedUnreachable);
        ledger = Do(ledger, ledger.ObserveReachability(true, "answered again", T0.AddMinutes(3)));

        Assert.Equal(
            [
                new HostStateChange(T0.AddMinutes(1), HostStateChange.Unreachable, "silent for 30s: connection refused", null),
                new HostStateChange(T0.AddMinutes(3), HostStateChange.Returned, "answered again", null),
            ],
            ledger.StateHistory);
        Assert.False(ledger.RecordedUnreachable);
        Assert.Same(Decision.AlreadyDone, HostLedger.Empty.ObserveReachability(false, "never registered", T0));
    }

    [Fact]
    public void The_history_keeps_only_the_newest_changes()
    {
        var ledger = Registered;
        var total = HostLedger.StateHistoryKept + 7;
        for (var i = 0; i < total; i++)
        {
            var state = i % 2 == 0 ? HostState.Draining : HostState.Active;
            ledger = Do(ledger, ledger.SetState(state, $"change {i}", "ops", T0.AddMinutes(i)));
        }

        Assert.Equal(HostLedger.StateHistoryKept, ledger.StateHistory.Count);
        Assert.Equal("change 7", ledger.StateHistory[0].Reason);
        Assert.Equal($"change {total - 1}", ledger.StateHistory[^1].Reason);
    }

    [Fact]
    public void A_change_journaled_before_times_were_recorded_is_kept_without_one()
    {
        var ledger = Registered.Apply(new HostStateChanged(HostState.Draining, "evacuating"));
        Assert.Equal([new HostStateChange(null, "draining", "evacuating", null)], ledger.StateHistory);
    }
}
