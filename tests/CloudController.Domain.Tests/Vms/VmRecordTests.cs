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
}
