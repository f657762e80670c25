using CloudController.Domain.Access;
using CloudController.Domain.Audit;

namespace CloudController.Domain.Tests.Audit;

public class AuditTrailTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static ApiUser User(string name, Role role) => new(name, role, false, "hash-" + name, DateTimeOffset.UnixEpoch);

    private static AuditEntry Entry(int minute, string? caller, string call = "Vms/DeleteVm") =>
        new(T0.AddMinutes(minute), caller, caller is null ? null : "provisioner", call, ["id=vm-" + minute], AuditOutcome.Accepted, null, null);

    private static AuditTrail Trail(params AuditEntry[] entries) =>
        entries.Aggregate(AuditTrail.Empty, (t, e) => t.Apply(new AuditRecorded(e)));

    [Fact]
    public void Administrators_see_every_entry_and_others_only_their_own()
    {
        var trail = Trail(Entry(0, "alice"), Entry(1, "bob"), Entry(2, null), Entry(3, "alice"));
        var all = new AuditFilter(null, null, null);
        Assert.Equal(4, trail.Visible(User("root", Role.Administrator), all, 100).Count);
        Assert.Equal(4, trail.Visible(null, all, 100).Count);
        Assert.Equal([T0, T0.AddMinutes(3)], trail.Visible(User("alice", Role.Provisioner), all, 100).Select(e => e.At));
        // Asking for another's entries gives a non-administrator nothing more.
        Assert.Empty(trail.Visible(User("alice", Role.Provisioner), all with { User = "bob" }, 100));
        Assert.Empty(trail.Visible(User("carol", Role.Viewer), all, 100));
    }

    [Fact]
    public void A_listing_filters_by_user_call_and_time_and_keeps_the_newest()
    {
        var trail = Trail(Entry(0, "alice", "Provisioning/Provision"), Entry(1, "bob"), Entry(2, "alice"), Entry(3, "alice"));
        var admin = User("root", Role.Administrator);
        Assert.Equal(3, trail.Visible(admin, new AuditFilter("alice", null, null), 100).Count);
        Assert.Single(trail.Visible(admin, new AuditFilter(null, "provision", null), 100));
        Assert.Single(trail.Visible(admin, new AuditFilter(null, "provisioning/provision", null), 100));
        Assert.Empty(trail.Visible(admin, new AuditFilter(null, "Provisioning", null), 100));
        Assert.Equal(2, trail.Visible(admin, new AuditFilter(null, null, T0.AddMinutes(2)), 100).Count);
        Assert.Equal([T0.AddMinutes(2), T0.AddMinutes(3)], trail.Visible(admin, new AuditFilter(null, null, null), 2).Select(e => e.At));
    }

    [Fact]
    public void Pruning_forgets_what_is_past_the_retention_and_over_the_bound_oldest_first()
    {
        var trail = Trail(Entry(0, "a"), Entry(1, "b"), Entry(2, "c"), Entry(3, "d"));
        Assert.Null(trail.Prune(T0, 10));
        Assert.Equal(new AuditPruned(2), trail.Prune(T0.AddMinutes(2), 10));
        Assert.Equal(new AuditPruned(1), trail.Prune(T0, 3));
        Assert.Equal(new AuditPruned(3), trail.Prune(T0.AddMinutes(3), 2));

        var pruned = trail.Apply(trail.Prune(T0.AddMinutes(2), 10)!);
        Assert.Equal(["c", "d"], pruned.Entries.Select(e => e.Caller));
        Assert.Empty(pruned.Apply(new AuditPruned(10)).Entries);
    }
}
