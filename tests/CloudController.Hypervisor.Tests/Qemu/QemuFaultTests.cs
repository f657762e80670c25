using CloudController.Hypervisor.Qemu;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// The QEMU driver when guests or processes misbehave: a guest that never speaks, an operation given up half-way.
/// Each test guards a defect the driver once had.
/// </summary>
[Collection("qemu")]
public sealed class QemuFaultTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_guest_that_never_speaks_fails_its_power_on_within_the_bound_and_leaves_no_process()
    {
        // The kernel's console is not the serial port and its init does not exist: nothing is ever printed or said,
        // as with a guest hung under an accelerator that cannot run it.
        await using var fleet = await StartAsync(o => o with { KernelCommandLine = "console=tty0 rdinit=/none panic=-1", GuestStartTimeout = TimeSpan.FromSeconds(3) });
        await fleet.RegisterAsync(HostA, "mute");

        var failed = await Assert.ThrowsAsync<HypervisorException>(() => fleet.Driver.PowerOnAsync(HostA, "mute", Ct));
        Assert.Contains("VM mute showed no sign of life within 3 s under tcg", failed.Message);
        Assert.Contains("its console is empty", failed.Message);
        Assert.Equal(VmPowerState.PoweredOff, (await fleet.Driver.GetVmAsync(HostA, "mute", Ct))!.PowerState);
        Assert.Empty(fleet.Driver.RunningProcessIds());
    }
}
