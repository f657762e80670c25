using CloudController.Domain.Metering;

namespace CloudController.Domain.Tests.Metering;

public class UsageLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Resources Small = new(2, 4096, 40);

    private static MeteredVm Vm(string id, string owner = "alice", string source = "vms", double startedHour = 0) =>
        new(id, owner, source, Small, T0.AddHours(startedHour));

    private static UsageObservation Seen(double hour, IEnumerable<string> sources, params MeteredVm[] live) =>
        new(T0.AddHours(hour), sources.ToHashSet(), live);

    private static UsageLedger Fold(UsageLedger ledger, UsageObservation seen) =>
        ledger.Reconcile(seen).Aggregate(ledger, (l, e) => l.Apply(e));

    [Fact]
    public void A_vm_starts_when_first_seen_as_its_record_says_and_ends_at_the_sample_that_misses_it()
    {
        var a = Vm("vm:a", startedHour: 0.5);
        var ledger = Fold(UsageLedger.Empty, Seen(1, ["vms"], a));
        Assert.Equal(T0.AddHours(0.5), ledger.Vms["vm:a"].Started);
        Assert.Empty(ledger.Reconcile(Seen(2, ["vms"], a)));

        ledger = Fold(ledger, Seen(3, ["vms"]));
        Assert.Equal(T0.AddHours(3), ledger.Vms["vm:a"].Ended);
        Assert.Empty(ledger.Reconcile(Seen(4, ["vms"])));
    }

    [Fact]
    public void A_source_that_could_not_be_read_ends_nothing()
    {
        var child = Vm("pool:web:c1", source: "pool:web");
        var ledger = Fold(UsageLedger.Empty, Seen(0, ["vms", "pool:web"], child));

        Assert.Empty(ledger.Reconcile(Seen(1, ["vms"])));
        Assert.Equal(["pool:web"], ledger.OpenSources());
        var ended = Assert.IsType<UsageEnded>(Assert.Single(ledger.Reconcile(Seen(2, ["vms", "pool:web"]))));
        Assert.Equal(["pool:web:c1"], ended.SubjectIds.ToArray());
    }

    [Fact]
    public void A_report_counts_the_hours_within_the_period_per_owner_and_what_each_holds_now()
    {
        var ledger = UsageLedger.Empty
            .Apply(new UsageStarted([Vm("vm:a", "alice", startedHour: 0), Vm("vm:b", "alice", startedHour: 10), Vm("vm:c", "bob", startedHour: 2)]))
            .Apply(new UsageEnded(["vm:a"], T0.AddHours(6)));

        // Period [4, 12), now at 12: a runs 4-6 (2 h), b 10-12 (2 h), c 4-12 (8 h).
        var rows = ledger.Report(T0.AddHours(4), T0.AddHours(12), T0.AddHours(12), _ => true);

        var alice = rows.Single(r => r.Owner == "alice");
        Assert.Equal(4, alice.VmHours, 6);
        Assert.Equal(8, alice.CoreHours, 6);
        Assert.Equal(16, alice.MemoryGibHours, 6);
        Assert.Equal(160, alice.DiskGibHours, 6);
        Assert.Equal(1, alice.VmsStarted);
        Assert.Equal(1, alice.VmsHeld);
        Assert.Equal(Small, alice.Held);
        var bob = rows.Single(r => r.Owner == "bob");
        Assert.Equal(8, bob.VmHours, 6);
        Assert.Equal(0, bob.VmsStarted);

        Assert.Equal(["bob"], ledger.Report(T0, T0.AddHours(12), T0.AddHours(12), o => o == "bob").Select(r => r.Owner));
        // A period before anything ran: no hours, but each owner still listed with what it holds now.
        var before = ledger.Report(T0.AddHours(-5), T0.AddHours(-1), T0.AddHours(12), _ => true);
        Assert.All(before, r => Assert.Equal((0, 0), (r.VmHours, r.VmsStarted)));
        Assert.Equal([1, 1], before.Select(r => r.VmsHeld));
    }

    [Fact]
    public void Usage_ended_before_the_retention_cutoff_is_forgotten_and_open_usage_never()
    {
        var ledger = UsageLedger.Empty
            .Apply(new UsageStarted([Vm("vm:a"), Vm("vm:b")]))
            .Apply(new UsageEnded(["vm:a"], T0.AddHours(1)));

        Assert.Null(ledger.Prune(T0.AddHours(1)));
        var pruned = ledger.Apply(ledger.Prune(T0.AddHours(2))!);
        Assert.Equal(["vm:b"], pruned.Vms.Keys);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sampled_usage_is_never_less_than_the_truth_nor_more_by_over_one_interval_per_vm(int seed)
    {
        var random = new Random(seed);
        var interval = TimeSpan.FromMinutes(10);
        // 200 VMs with true lifetimes somewhere in three days; some still running at the end.
        var truth = Enumerable.Range(0, 200).Select(i =>
        {
            var start = T0.AddMinutes(random.Next(0, 3 * 24 * 60));
            DateTimeOffset? end = random.Next(5) == 0 ? null : start.AddMinutes(random.Next(1, 24 * 60));
            return (Vm: new MeteredVm($"vm:{i}", $"user-{i % 3}", "vms", Small, start), End: end);
        }).ToList();
        var now = T0.AddDays(4);

        var ledger = UsageLedger.Empty;
        for (var at = T0; at <= now; at += interval)
        {
            var live = truth.Where(t => t.Vm.Started <= at && (t.End is null || t.End > at)).Select(t => t.Vm).ToArray();
            ledger = Fold(ledger, new UsageObservation(at, new HashSet<string> { "vms" }, live));
        }

        foreach (var (vm, end) in truth)
        {
            var trueHours = ((end ?? now) - vm.Started).TotalHours;
            // A VM that lived between two samples is never seen: the price of sampling, bounded by one interval.
            if (!ledger.Vms.TryGetValue(vm.SubjectId, out var metered))
            {
                Assert.True(trueHours < interval.TotalHours, $"{vm.SubjectId} ran {trueHours:F2} h unseen");
                continue;
            }
            var meteredHours = metered.HoursWithin(T0, now, now);
            Assert.InRange(meteredHours - trueHours, 0, interval.TotalHours + 1e-9);
        }
        var rows = ledger.Report(T0, now, now, _ => true);
        Assert.Equal(truth.Count(t => t.End is null), rows.Sum(r => r.VmsHeld));
        Assert.Equal(3, rows.Count);
    }
}
