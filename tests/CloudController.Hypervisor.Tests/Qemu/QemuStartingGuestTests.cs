using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// A guest suspended while it is still starting (its console printed, its daemon not yet listening): a power-on
/// returns at the first sign of life, so a fork parent quiesced at once is one. What resumes from it must resume a
/// listening guest, not each child repeating the rest of its start-up.
/// </summary>
[Collection("qemu")]
public sealed class QemuStartingGuestTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_parent_suspended_while_its_guest_starts_is_saved_once_it_listens()
    {
        // The test guest's daemon starts listening 3 s after it opens its channel.
        await using var fleet = await StartAsync(readyAfterSeconds: 3);
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "parent");
        await d.PowerOnAsync(HostA, "parent", Ct);
        await d.SuspendAsync(HostA, "parent", Ct);
        Assert.False(d.Vm(HostA, "parent")!.SavedBeforeReady);

        await d.ForkAsync(HostA, "parent", new VmDefinition("child", "child", Guest, "child-disk"), new ForkOptions(Data: Identity(1, "child.example")), Ct);
        await fleet.WaitForHostnameAsync(HostA, "child", "child.example");
        // The child resumed after its parent's start-up: it never printed what the parent printed while starting.
        Assert.DoesNotContain("booted", fleet.GuestLines(HostA, "child"));
    }
}
