using System.Collections.Immutable;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Vms;

public class VmHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly VmRecord Vm =
        new("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "vm-1-disk", "t-prov", T0);

    /// <summary>Runs a task of <paramref name="kind"/> through every step on <paramref name="host"/> into the listing, a minute per event.</summary>
    private static void RunTask(TaskListing listing, string taskId, TaskKind kind, VmRecord vm, string host, string? by, int minute)
    {
        var at = T0.AddMinutes(minute);
        listing.Apply(taskId, new TaskCreated(taskId, kind, vm, "img", 10, at, RequestedBy: by));
        foreach (var step in TaskPlan.StepsOf(kind))
        {
            at = at.AddMinutes(1);
            if (step == TaskStep.Placing) listing.Apply(taskId, new HostChosen(host, "most room", at));
            listing.Apply(taskId, new StepCompleted(step, at));
        }
        listing.Apply(taskId, new TaskFinished(TaskState.Succeeded, at.AddMinutes(1)));
    }

    [Fact]
    public void A_provision_and_a_migration_leave_their_requests_hosts_power_changes_moves_and_outcomes_with_who_asked()
    {
        var listing = new TaskListing();
        RunTask(listing, "t-prov", TaskKind.Provision, Vm, "h1", "alice", 0);
        RunTask(listing, "t-move", TaskKind.Migrate, Vm with { State = VmState.Running, HostId = "h1" }, "h2", "admin", 60);
        listing.Apply("t-other", new TaskCreated("t-other", TaskKind.Provision, Vm with { VmId = "vm-2" }, "img", 10, T0, RequestedBy: "bob"));

        var history = listing.HistoryOf("vm-1");

        Assert.Equal(
            [
                ("provision requested", "alice", "t-prov"), ("host chosen", "alice", "t-prov"), ("powered on", "alice", "t-prov"),
                ("provision succeeded", "alice", "t-prov"),
                ("migration requested", "admin", "t-move"), ("target chosen", "admin", "t-move"), ("moved", "admin", "t-move"),
                ("migration succeeded", "admin", "t-move"),
            ],
            history.Select(e => (e.Event, e.By, e.TaskId)));
        Assert.StartsWith("provision web-01 from model ubuntu", history[0].Detail);
        Assert.Equal("h1", history[1].Detail);
        Assert.Equal("on h1", history[2].Detail);
        Assert.Equal("h2, away from h1", history[5].Detail);
        Assert.Equal("from h1 to h2", history[6].Detail);
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.At <= p.Second.At), "oldest first");
        Assert.Empty(listing.HistoryOf("vm-unknown"));
    }

    [Fact]
    public void A_rollback_powers_the_vm_off_and_says_why_the_task_ended()
    {
        var listing = new TaskListing();
        listing.Apply("t", new TaskCreated("t", TaskKind.Provision, Vm, "img", 10, T0));
        listing.Apply("t", new HostChosen("h1", "most room", T0));
        foreach (var step in new[] { TaskStep.RecordingVm, TaskStep.Placing, TaskStep.CloningDisk, TaskStep.Registering, TaskStep.PoweringOn })
            listing.Apply("t", new StepCompleted(step, T0));
        listing.Apply("t", new StepFailed(TaskStep.InstallingApps, "apt failed", T0.AddMinutes(1)));
        listing.Apply("t", new StepUndone(TaskStep.PoweringOn, T0.AddMinutes(2)));
        listing.Apply("t", new TaskFinished(TaskState.Failed, T0.AddMinutes(3)));

        var history = listing.HistoryOf("vm-1").Skip(3).Select(e => (e.Event, e.Detail, e.By)).ToList();
        Assert.Equal(
            [
                ("provision step failed", "InstallingApps: apt failed", null),
                ("powered off", "on h1, rolling back", null),
                ("provision failed", "apt failed", null),
            ],
            history);
    }

    [Fact]
    public void A_provisioning_data_generation_names_its_keys_never_its_values_and_one_without_a_time_is_left_out()
    {
        var changed = new VmDataChanged(3, ImmutableSortedDictionary<string, string>.Empty.Add("secret.db-password", "hunter2").Add("app.mode", "blue"),
            ["ip"], T0, "alice");

        var entry = VmHistory.OfRecord(changed);

        Assert.Equal(new VmHistoryEntry(T0, "config generation 3", "set app.mode, secret.db-password; removed ip", "alice", null), entry);
        Assert.DoesNotContain("hunter2", entry!.Detail);
        Assert.Null(VmHistory.OfRecord(changed with { At = null }));
        Assert.Equal("lost", VmHistory.OfRecord(new VmLost("h1", "gone from its host", T0))?.Event);
        Assert.Null(VmHistory.OfRecord(new VmPlaced("h1")));
    }

    [Fact]
    public void Merged_histories_are_oldest_first_and_each_source_keeps_only_its_newest_entries()
    {
        var ofTasks = new[] { new VmHistoryEntry(T0, "provision requested", "", "alice", "t"), new VmHistoryEntry(T0.AddMinutes(5), "migration requested", "", "admin", "m") };
        var ofRecord = new[] { new VmHistoryEntry(T0.AddMinutes(2), "config generation 2", "set a", "alice", null) };
        Assert.Equal(["provision requested", "config generation 2", "migration requested"], VmHistory.Merge(ofTasks, ofRecord).Select(e => e.Event));

        var kept = ImmutableList<VmHistoryEntry>.Empty;
        for (var i = 0; i < VmHistory.Kept + 3; i++) kept = VmHistory.Add(kept, new VmHistoryEntry(T0.AddSeconds(i), $"e{i}", "", null, null));
        Assert.Equal(VmHistory.Kept, kept.Count);
        Assert.Equal(("e3", $"e{VmHistory.Kept + 2}"), (kept[0].Event, kept[^1].Event));
    }
}
