using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Vms;

public class VmRecordTests
{
    private static readonly VmRecord Running = new("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Running,
        "host-a", "vm-1-disk", "task-1", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_library_source_cannot_be_deleted_until_its_image_is_removed()
    {
        var captured = Running.Apply(Running.CaptureAsImage("web-ready").Event!);
        Assert.Equal(VmState.InstantImage, captured.State);
        Assert.Same(Decision.AlreadyDone, captured.CaptureAsImage("web-ready"));
        Assert.Contains("ccm instant remove web-ready", captured.StartDeletion("task-9").Refusal);
        Assert.True(captured.ReleaseFromLibrary("other").IsRefused);

        var released = captured.Apply(captured.ReleaseFromLibrary("web-ready").Event!);
        Assert.Equal(VmState.Running, released.State);
        Assert.Null(released.InstantImageName);
        Assert.False(released.StartDeletion("task-9").IsRefused);
    }

    [Fact]
    public void Only_a_running_VM_is_captured_placed_once_and_deleted_once()
    {
        var provisioning = Running with { State = VmState.Provisioning, HostId = null };
        Assert.True(provisioning.CaptureAsImage("x").IsRefused);
        var placed = provisioning.Apply(provisioning.Place("host-b").Event!);
        Assert.Same(Decision.AlreadyDone, placed.Place("host-b"));
        var deleting = placed.Apply(placed.StartDeletion("task-2").Event!);
        Assert.Same(Decision.AlreadyDone, deleting.StartDeletion("task-2"));
        Assert.Contains("already being deleted", deleting.StartDeletion("task-3").Refusal);
    }

    [Fact]
    public void Only_a_VM_at_rest_on_the_host_that_lost_it_is_marked_lost_with_why_and_when_and_it_can_still_be_deleted()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(1);
        var lost = Running.Apply(Running.MarkLost("host-a", "host host-a no longer has it", at).Event!);
        Assert.Equal(VmState.Lost, lost.State);
        Assert.Equal(new VmLoss("host host-a no longer has it", at), lost.Loss);
        Assert.Equal("host-a", lost.HostId);
        Assert.Same(Decision.AlreadyDone, lost.MarkLost("host-a", "again", at));
        Assert.False(lost.StartDeletion("task-9").IsRefused);

        // Mid-task, it is its task's: a VM being created, migrated (either way) or deleted is not lost.
        Assert.Contains("Provisioning (task task-1)", (Running with { State = VmState.Provisioning }).MarkLost("host-a", "r", at).Refusal);
        var migrating = Running.Apply(Running.StartMigration("task-2").Event!);
        Assert.Contains("Migrating (task task-2)", migrating.MarkLost("host-a", "r", at).Refusal);
        Assert.True(Running.Apply(Running.StartDeletion("task-3").Event!).MarkLost("host-a", "r", at).IsRefused);
        // Moved on already: the old host's stale allocation is not a loss.
        Assert.Contains("recorded on host host-b", (Running with { HostId = "host-b" }).MarkLost("host-a", "r", at).Refusal);
        // A library source on its host is lost like a running VM.
        var source = Running.Apply(Running.CaptureAsImage("img").Event!);
        Assert.False(source.MarkLost("host-a", "r", at).IsRefused);
    }
}
