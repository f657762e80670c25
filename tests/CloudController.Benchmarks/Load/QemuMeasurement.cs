using System.Diagnostics;
using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// Measures the QEMU driver's mechanisms on this machine with the tiny guest: a cold start against a fork from a
/// suspended parent (to the guest answering on its channel), what each child really costs in memory (PSS) against
/// its parent, and a 128 MiB guest migrated live over a shared datastore and over a local disk, which is mirrored to the target while the guest runs.
/// </summary>
public static class QemuMeasurement
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    public static async Task<QemuResult> RunAsync(int children)
    {
        await using var fleet = await QemuFleet.StartAsync();
        var driver = fleet.Driver;

        // Cold starts: power-on until the guest answers with its hostname on its channel.
        var cold = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var id = $"cold{i}";
            await Register(fleet, id, null);
            var clock = Stopwatch.StartNew();
            await driver.PowerOnAsync(HostA, id, Ct);
            await fleet.WaitForHostnameAsync(HostA, id, id);
            cold.Add(clock.Elapsed.TotalMilliseconds);
            await driver.PowerOffAsync(HostA, id, Ct);
        }

        // The parent: booted, listening, measured, then suspended into the state children fork from.
        await Register(fleet, "parent", null);
        await driver.PowerOnAsync(HostA, "parent", Ct);
        await fleet.WaitForHostnameAsync(HostA, "parent", "parent");
        var parentRollup = Rollup(driver.ProcessId(HostA, "parent")!.Value);
        await driver.SuspendAsync(HostA, "parent", Ct);

        var forks = new List<double>();
        for (var i = 0; i < children; i++)
        {
            var id = $"child{i}";
            var clock = Stopwatch.StartNew();
            await driver.ForkAsync(HostA, "parent", new VmDefinition(id, id, Guest, $"{id}-disk"), new ForkOptions(Data: Identity(1, id)), Ct);
            await fleet.WaitForHostnameAsync(HostA, id, id);
            forks.Add(clock.Elapsed.TotalMilliseconds);
        }
        var childRollups = Enumerable.Range(0, children).Select(i => Rollup(driver.ProcessId(HostA, $"child{i}")!.Value)).ToList();

        // Migration of a 128 MiB guest: live over a shared datastore, then over a local disk (block mirror).
        await Register(fleet, "mover", "shared");
        await driver.PowerOnAsync(HostA, "mover", Ct);
        await fleet.WaitForHostnameAsync(HostA, "mover", "mover");
        var live = await Migrate(fleet, new MigrationPlan("m1", "mover", HostA, HostB, Live: true));
        await Register(fleet, "local", null);
        await driver.PowerOnAsync(HostA, "local", Ct);
        await fleet.WaitForHostnameAsync(HostA, "local", "local");
        var mirrored = await Migrate(fleet, new MigrationPlan("m2", "local", HostA, HostB, Live: true));

        return new QemuResult(driver.Accelerator, children,
            Median(cold), Median(forks), forks.Max(),
            parentRollup.Pss, parentRollup.Rss, (long)childRollups.Average(r => r.Pss), (long)childRollups.Average(r => r.Rss),
            live.Wall, live.Qemu, live.Downtime, mirrored.Wall, mirrored.Qemu, mirrored.Downtime,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", DateTimeOffset.UtcNow);
    }

    private static async Task<(double Wall, long Qemu, long Downtime)> Migrate(QemuFleet fleet, MigrationPlan plan)
    {
        var driver = fleet.Driver;
        var clock = Stopwatch.StartNew();
        await driver.PrepareMigrationAsync(plan, Ct);
        await driver.SwitchOverAsync(plan, Ct);
        await driver.CompleteMigrationAsync(plan, Ct);
        var wall = clock.Elapsed.TotalMilliseconds;
        await driver.SetGuestDataAsync(plan.TargetHostId, plan.VmId, Identity(2, plan.VmId + "-moved"), Ct);
        await fleet.WaitForHostnameAsync(plan.TargetHostId, plan.VmId, plan.VmId + "-moved");
        return (wall, driver.LastMigration!.TotalTimeMs, driver.LastMigration.DowntimeMs);
    }

    /// <summary>A VM over a linked base (so no copy of the base is timed), with its host name as its data.</summary>
    private static async Task Register(QemuFleet fleet, string id, string? datastore)
    {
        await fleet.RegisterAsync(HostA, id, datastore, sharedBase: true);
        await fleet.Driver.SetGuestDataAsync(HostA, id, Identity(1, id), Ct);
    }

    private static (long Pss, long Rss) Rollup(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/smaps_rollup");
        return (MachineReadings.ProportionalKib(text), MachineReadings.ResidentKib(text));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

/// <summary>What the QEMU driver's mechanisms cost on this machine; memory in KiB, times in milliseconds.</summary>
public sealed record QemuResult(
    string Accelerator, int Children,
    double ColdStartMs, double ForkMedianMs, double ForkMaxMs,
    long ParentPssKib, long ParentRssKib, long ChildPssKib, long ChildRssKib,
    double LiveMigrationMs, long LiveQemuTotalMs, long LiveDowntimeMs, double MirrorMigrationMs, long MirrorQemuTotalMs, long MirrorDowntimeMs,
    string Machine, DateTimeOffset At)
{
    public override string ToString() => $"""
        qemu ({Accelerator}), 128 MiB tiny guest, to the guest answering on its channel:
          cold start                 {ColdStartMs,8:F0} ms (median of 3)
          fork from suspended parent {ForkMedianMs,8:F0} ms (median of {Children}; max {ForkMaxMs:F0} ms)  {ColdStartMs / ForkMedianMs:F0}x faster
          memory, parent running     PSS {ParentPssKib / 1024,5} MiB  RSS {ParentRssKib / 1024,5} MiB
          memory, per child          PSS {ChildPssKib / 1024,5} MiB  RSS {ChildRssKib / 1024,5} MiB
          live migration (shared ds) {LiveMigrationMs,8:F0} ms prepare to complete; QEMU {LiveQemuTotalMs} ms, downtime {LiveDowntimeMs} ms
          live migration (local disk) {MirrorMigrationMs,7:F0} ms prepare to complete, the disk mirrored first; QEMU {MirrorQemuTotalMs} ms, downtime {MirrorDowntimeMs} ms
        """;
}
