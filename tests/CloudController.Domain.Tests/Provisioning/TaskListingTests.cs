using CloudController.Domain.Access;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Provisioning;

public class TaskListingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static TaskCreated Created(string taskId, TaskKind kind, string owner, int minute) => new(
        taskId, kind,
        new VmRecord("vm-" + taskId, "web-" + taskId, "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "disk", taskId, T0) { Owner = owner },
        "ubuntu-24.04", 10, T0.AddMinutes(minute));

    private static ApiUser User(string name, Role role) => new(name, role, false, "h", DateTimeOffset.UnixEpoch);

    private static TaskListing Listing()
    {
        var listing = new TaskListing();
        listing.Apply("t1", Created("t1", TaskKind.Provision, "alice", 0));
        listing.Apply("t1", new HostChosen("host-a", "most room", T0));
        listing.Apply("t2", Created("t2", TaskKind.Provision, "bob", 1));
        listing.Apply("t2", new HostChosen("host-b", "most room", T0));
        listing.Apply("t2", new TaskFinished(TaskState.Failed, T0.AddMinutes(2)));
        listing.Apply("t3", Created("t3", TaskKind.Delete, "alice", 2));
        return listing;
    }

    private static IEnumerable<string> Ids(IEnumerable<TaskSummary> tasks) => tasks.Select(t => t.TaskId);

    [Fact]
    public void Tasks_are_listed_as_their_events_left_them_oldest_first()
    {
        var all = Listing().List(null, TaskFilter.All, 100);
        Assert.Equal(["t1", "t2", "t3"], Ids(all));
        Assert.Equal(("host-a", TaskState.Running, "RecordingVm"), (all[0].HostId, all[0].State, all[0].Stage));
        Assert.Equal(TaskState.Failed, all[1].State);
        Assert.Equal(TaskKind.Delete, all[2].Kind);
    }

    [Fact]
    public void An_ended_task_changes_no_more_and_an_event_of_an_unknown_task_is_ignored()
    {
        var listing = Listing();
        listing.Apply("t2", new AbortRequested("too late", T0));
        listing.Apply("t9", new TaskFinished(TaskState.Succeeded, T0));
        listing.Apply("t1", Created("t1", TaskKind.Delete, "mallory", 9));
        var all = listing.List(null, TaskFilter.All, 100);
        Assert.Equal(TaskState.Failed, all[1].State);
        Assert.Equal(["t1", "t2", "t3"], Ids(all));
        Assert.Equal("alice", all[0].Owner);
    }

    [Fact]
    public void Filters_by_state_kind_host_owner_and_time_and_keeps_the_newest()
    {
        var listing = Listing();
        TaskFilter Parsed(string? state = null, string? kind = null, string? host = null, string? owner = null, DateTimeOffset? since = null) =>
            TaskFilter.Parse(state, kind, host, owner, since).Filter!;
        Assert.Equal(["t2"], Ids(listing.List(null, Parsed(state: "failed"), 100)));
        Assert.Equal(["t1", "t3"], Ids(listing.List(null, Parsed(state: "Running"), 100)));
        Assert.Equal(["t3"], Ids(listing.List(null, Parsed(kind: "delete"), 100)));
        Assert.Equal(["t1"], Ids(listing.List(null, Parsed(host: "host-a"), 100)));
        Assert.Equal(["t1", "t3"], Ids(listing.List(null, Parsed(owner: "alice"), 100)));
        Assert.Equal(["t2", "t3"], Ids(listing.List(null, Parsed(since: T0.AddMinutes(1)), 100)));
        Assert.Equal(["t3"], Ids(listing.List(null, Parsed(state: "running", owner: "alice", since: T0.AddMinutes(1)), 100)));
        Assert.Equal(["t2", "t3"], Ids(listing.List(null, TaskFilter.All, 2)));
    }

    [Fact]
    public void A_wrong_state_or_kind_is_named_with_the_words_that_work()
    {
        var (filter, errors) = TaskFilter.Parse("done", "7", null, null, null);
        Assert.Null(filter);
        Assert.Equal(["state", "kind"], errors.Select(e => e.Field));
        Assert.Contains("Running, RollingBack, Succeeded, Failed, Aborted", errors[0].Fix);
        Assert.Contains("Provision, Delete, InstantDeploy, Migrate", errors[1].Fix);
    }

    [Fact]
    public void Administrators_see_every_task_and_others_only_those_of_their_own_vms()
    {
        var listing = Listing();
        Assert.Equal(["t1", "t2", "t3"], Ids(listing.List(User("root", Role.Administrator), TaskFilter.All, 100)));
        Assert.Equal(["t1", "t3"], Ids(listing.List(User("alice", Role.Provisioner), TaskFilter.All, 100)));
        Assert.Empty(listing.List(User("alice", Role.Provisioner), TaskFilter.All with { Owner = "bob" }, 100));
        Assert.Empty(listing.List(User("carol", Role.Viewer), TaskFilter.All, 100));
    }
}
