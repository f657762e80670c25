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

    /// <summary>1 MiB/s: a booted tiny guest's memory then takes tens of seconds to move, so a test can act mid-transfer.</summary>
    private const long SlowMigration = 1 << 20;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_switch_over_cancelled_while_memory_or_disk_moves_stops_the_target_and_the_source_runs_on(bool sharedStorage)
    {
        // Shared: the memory is moving when the test acts; local: the disk is still being mirrored.
        await using var fleet = await StartAsync(o => o with { MigrationMaxBandwidth = SlowMigration });
        var d = fleet.Driver;
        await BootMoverAsync(fleet, sharedStorage);
        var sourcePid = d.ProcessId(HostA, "mover")!.Value;
        var plan = new MigrationPlan("mig-c", "mover", HostA, HostB, Live: true);
        await d.PrepareMigrationAsync(plan, Ct);

        using var cancel = new CancellationTokenSource();
        var switching = d.SwitchOverAsync(plan, cancel.Token);
        await WhileMemoryMovesAsync(d, switching, sourcePid);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => switching);

        await AssertSourceRunsAloneAsync(fleet, plan, sourcePid);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_target_killed_while_memory_or_disk_moves_fails_the_switch_over_and_the_source_runs_on(bool sharedStorage)
    {
        await using var fleet = await StartAsync(o => o with { MigrationMaxBandwidth = SlowMigration });
        var d = fleet.Driver;
        await BootMoverAsync(fleet, sharedStorage);
        var sourcePid = d.ProcessId(HostA, "mover")!.Value;
        var plan = new MigrationPlan("mig-k", "mover", HostA, HostB, Live: true);
        await d.PrepareMigrationAsync(plan, Ct);

        var switching = d.SwitchOverAsync(plan, Ct);
        var target = await WhileMemoryMovesAsync(d, switching, sourcePid);
        using (var process = System.Diagnostics.Process.GetProcessById(target)) process.Kill();
        var failed = await Assert.ThrowsAsync<HypervisorException>(() => switching);
        Assert.Contains("moving VM mover", failed.Message);

        await AssertSourceRunsAloneAsync(fleet, plan, sourcePid);
    }

    /// <summary>
    /// The VM to migrate, booted. A local disk gets 8 MiB of its own first, so that mirroring it at the slow rate
    /// takes seconds and a test acts while the disk moves.
    /// </summary>
    private static async Task BootMoverAsync(QemuFleet fleet, bool sharedStorage)
    {
        await fleet.RegisterAsync(HostA, "mover", datastore: sharedStorage ? "shared" : null, sharedBase: sharedStorage);
        if (!sharedStorage) await fleet.WriteDiskAsync(HostA, "mover", 0xab, mib: 8);
        await fleet.Driver.PowerOnAsync(HostA, "mover", Ct);
        await fleet.WaitForBootAsync(HostA, "mover");
    }

    /// <summary>Waits for the target's process to run beside the source's, then a moment more: memory is moving. Returns the target's pid.</summary>
    private static async Task<int> WhileMemoryMovesAsync(QemuDriver d, Task switching, int sourcePid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int? target;
        while ((target = d.RunningProcessIds().Where(p => p != sourcePid).Cast<int?>().FirstOrDefault()) is null)
        {
            Assert.False(switching.IsCompleted, $"the switch-over ended before its target started: {switching.Exception?.GetBaseException().Message ?? "it completed"}");
            Assert.True(DateTime.UtcNow < deadline, "no target process within 60 s");
            await Task.Delay(20);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(switching.IsCompleted, "the switch-over ended before the test acted: the bandwidth cap did not slow it");
        return target.Value;
    }

    /// <summary>After a given-up switch-over: no target process, the same source process running and answering, and cancelling leaves nothing on the target.</summary>
    private static async Task AssertSourceRunsAloneAsync(QemuFleet fleet, MigrationPlan plan, int sourcePid)
    {
        var d = fleet.Driver;
        Assert.Equal([sourcePid], d.RunningProcessIds());
        Assert.Equal(sourcePid, d.ProcessId(HostA, plan.VmId));
        Assert.Equal(VmPowerState.Running, (await d.GetVmAsync(HostA, plan.VmId, Ct))!.PowerState);
        // A paused guest would not echo its data: this one runs.
        await d.SetGuestDataAsync(HostA, plan.VmId, Identity(1, "still-here"), Ct);
        await fleet.WaitForHostnameAsync(HostA, plan.VmId, "still-here", seconds: 20);

        await d.CancelMigrationAsync(plan, Ct);
        Assert.False(Directory.Exists(d.Paths.Vm(HostB, plan.VmId)));
        Assert.False(File.Exists(d.Paths.Memory(HostB, plan.VmId)));
        Assert.Equal(VmPowerState.Running, (await d.GetVmAsync(HostA, plan.VmId, Ct))!.PowerState);
        await d.PowerOffAsync(HostA, plan.VmId, Ct);
        Assert.Empty(d.RunningProcessIds());
    }

    [Fact]
    public async Task A_promotion_whose_stream_fails_is_refused_and_the_child_stays_a_child_of_its_parent()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "tmpl");
        await d.SetGuestDataAsync(HostA, "tmpl", Identity(1, "tmpl.example"), Ct);
        await d.PowerOnAsync(HostA, "tmpl", Ct);
        await fleet.WaitForHostnameAsync(HostA, "tmpl", "tmpl.example");
        await d.SuspendAsync(HostA, "tmpl", Ct);
        // The parent's layer is damaged before the child opens it: its first L1 entry points at an unaligned L2
        // table, so reading that part of the chain is an I/O error and the stream job fails.
        CorruptFirstL1Entry(d.Layer(HostA, "tmpl-disk")!.File);
        await d.ForkAsync(HostA, "tmpl", new VmDefinition("kid", "kid", Guest, "kid-disk"), new ForkOptions(Persistent: true, Data: Identity(1, "kid.example")), Ct);
        await fleet.WaitForHostnameAsync(HostA, "kid", "kid.example");

        var refused = await Assert.ThrowsAsync<HypervisorException>(() => d.PromoteAsync(HostA, "kid", Ct));
        Assert.Contains("failed", refused.Message);
        Assert.Equal("tmpl", d.Vm(HostA, "kid")!.ForkedFrom);
        Assert.Equal("tmpl-disk", d.Layer(HostA, "kid-disk")!.ParentLayerId);
        Assert.Equal(d.Layer(HostA, "tmpl-disk")!.File, (await new QemuImg().InfoAsync(d.Layer(HostA, "kid-disk")!.File, Ct)).BackingFile);
        await d.SetGuestDataAsync(HostA, "kid", Identity(2, "kid-after"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "kid", "kid-after", seconds: 20);
    }

    /// <summary>Sets a qcow2 image's first L1 entry (offset from header byte 40, big-endian) to an unaligned L2 offset.</summary>
    private static void CorruptFirstL1Entry(string qcow2)
    {
        using var file = new FileStream(qcow2, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[48];
        file.ReadExactly(header);
        var l1Offset = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(40));
        var entry = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(entry, 0x8000_0000_0001_0200UL);
        file.Position = l1Offset;
        file.Write(entry);
    }
}
