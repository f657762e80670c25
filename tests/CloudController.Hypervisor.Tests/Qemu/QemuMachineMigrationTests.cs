using CloudController.Hypervisor.Qemu;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// Live migration between two QEMU drivers, as two machines' host agents run it: each driver has its own root and
/// images, and only the halves of <see cref="MachineMigration"/> pass between them.
/// </summary>
[Collection("qemu")]
public sealed class QemuMachineMigrationTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_running_guest_moves_live_to_another_machine_with_its_local_disk_mirrored_or_over_a_shared_datastore(bool sharedStorage)
    {
        await using var here = await StartAsync();
        await using var there = await StartAsync();
        MountSharedDatastores(here, there);
        await BootMoverAsync(here, sharedStorage);
        var plan = new MigrationPlan("mig-m", "mover", HostA, HostB, Live: true);

        await MachineMigration.PrepareAsync(here.Driver, there.Driver, plan, Ct);
        await MachineMigration.PrepareAsync(here.Driver, there.Driver, plan, Ct);
        await MachineMigration.SwitchOverAsync(here.Driver, there.Driver, plan, Ct);
        await here.Driver.CompleteMigrationAsync(plan, Ct);

        Assert.Null(await here.Driver.GetVmAsync(HostA, "mover", Ct));
        Assert.Empty(here.Driver.RunningProcessIds());
        Assert.Equal(VmPowerState.Running, (await there.Driver.GetVmAsync(HostB, "mover", Ct))!.PowerState);
        await there.Driver.SetGuestDataAsync(HostB, "mover", Identity(1, "arrived.example"), Ct);
        await there.WaitForHostnameAsync(HostB, "mover", "arrived.example");
        Assert.Equal(0, there.Boots(HostB, "mover"));
        await there.Driver.PowerOffAsync(HostB, "mover", Ct);
        Assert.True(await there.DiskHoldsAsync(HostB, "mover", 0xab, mib: 4), "the target's disk holds what the source's held");
    }

    [Fact]
    public async Task A_target_machine_whose_process_dies_while_the_disk_moves_fails_the_switch_over_and_the_source_runs_on()
    {
        await using var here = await StartAsync(o => o with { MigrationMaxBandwidth = 1 << 20 });
        await using var there = await StartAsync();
        await BootMoverAsync(here, sharedStorage: false, mib: 8);
        var sourcePid = here.Driver.ProcessId(HostA, "mover")!.Value;
        var plan = new MigrationPlan("mig-d", "mover", HostA, HostB, Live: true);
        await MachineMigration.PrepareAsync(here.Driver, there.Driver, plan, Ct);

        var switching = MachineMigration.SwitchOverAsync(here.Driver, there.Driver, plan, Ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (there.Driver.RunningProcessIds().Count == 0)
        {
            Assert.False(switching.IsCompleted, $"the switch-over ended before its target started: {switching.Exception?.GetBaseException().Message ?? "it completed"}");
            Assert.True(DateTime.UtcNow < deadline, "no target process within 60 s");
            await Task.Delay(20);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(switching.IsCompleted, "the switch-over ended before the test acted: the bandwidth cap did not slow the mirror");
        using (var target = System.Diagnostics.Process.GetProcessById(there.Driver.RunningProcessIds()[0])) target.Kill();
        var failed = await Assert.ThrowsAsync<HypervisorException>(() => switching);
        Assert.Contains("sending VM mover", failed.Message);

        Assert.Equal([sourcePid], here.Driver.RunningProcessIds());
        Assert.Empty(there.Driver.RunningProcessIds());
        Assert.False(Directory.Exists(there.Driver.Paths.Vm(HostB, "mover")));
        Assert.Null(there.Driver.Layer(HostB, "mover-disk"));
        await here.Driver.SetGuestDataAsync(HostA, "mover", Identity(1, "still-here"), Ct);
        await here.WaitForHostnameAsync(HostA, "mover", "still-here", seconds: 20);
        await MachineMigration.CancelAsync(here.Driver, there.Driver, plan, Ct);
        Assert.Equal(VmPowerState.Running, (await here.Driver.GetVmAsync(HostA, "mover", Ct))!.PowerState);
    }

    /// <summary>The VM booted on the first machine; its disk holds a pattern the test can look for where it lands.</summary>
    private static async Task BootMoverAsync(QemuFleet fleet, bool sharedStorage, int mib = 4)
    {
        await fleet.RegisterAsync(HostA, "mover", datastore: sharedStorage ? "shared" : null, sharedBase: sharedStorage);
        await fleet.WriteDiskAsync(HostA, "mover", 0xab, mib);
        await fleet.Driver.PowerOnAsync(HostA, "mover", Ct);
        await fleet.WaitForBootAsync(HostA, "mover");
    }

    /// <summary>The second machine mounts the first's datastores where its own would be, as a shared datastore is mounted on both.</summary>
    private static void MountSharedDatastores(QemuFleet first, QemuFleet second)
    {
        var datastores = Path.GetDirectoryName(first.Driver.Paths.Datastore("shared"))!;
        Directory.CreateDirectory(datastores);
        Directory.CreateSymbolicLink(Path.GetDirectoryName(second.Driver.Paths.Datastore("shared"))!, datastores);
    }
}
