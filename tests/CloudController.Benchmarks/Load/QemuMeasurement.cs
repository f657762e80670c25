using System.Diagnostics;
using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// Measures the QEMU driver's mechanisms on this machine with the tiny guest: a cold start against a fork from a
/// suspended parent (to the guest answering on its channel), what each child really costs in memory (PSS) against
/// its parent, and a 128 MiB guest migrated live over a shared datastore and stop-and-copy over local disks.
/// </summary>
public static class QemuMeasurement
{
    private static readonly Resources Guest = new(1, 128, 1);
    private static readonly CancellationToken Ct = CancellationToken.None;

    public static async Task<QemuResult> RunAsync(int children)
    {
        var root = Path.Combine(Path.GetTempPath(), "cc-qemu-load-" + Guid.NewGuid().ToString("N")[..8]);
        await TinyGuest.BuildAsync(Path.Combine(root, "images"));
        var options = new QemuDriverOptions(root, Path.Combine(root, "images"),
            [new QemuHostOptions("a", new Resources(2, 16384, 100)), new QemuHostOptions("b", new Resources(2, 16384, 100))],
            RuntimeDirectory: Path.Combine(root, "run"));
        var driver = new QemuDriver(options);
        try
        {
            await driver.EnsureBaseLayerAsync("a", new BaseLayerSpec("base", TinyGuest.Image, 1, Shared: true), Ct);
            await driver.EnsureBaseLayerAsync("b", new BaseLayerSpec("base", TinyGuest.Image, 1, Shared: true), Ct);

            // Cold starts: power-on until the guest answers with its hostname on its channel.
            var cold = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var id = $"cold{i}";
                await Register(driver, "a", id, null, Identity(id));
                var clock = Stopwatch.StartNew();
                await driver.PowerOnAsync("a", id, Ct);
                await WaitForHostname(driver, "a", id, id, TimeSpan.FromSeconds(120));
                cold.Add(clock.Elapsed.TotalMilliseconds);
                await driver.PowerOffAsync("a", id, Ct);
            }

            // The parent: booted, listening, measured, then suspended into the state children fork from.
            await Register(driver, "a", "parent", null, Identity("parent"));
            await driver.PowerOnAsync("a", "parent", Ct);
            await WaitForHostname(driver, "a", "parent", "parent", TimeSpan.FromSeconds(120));
            var parentRollup = Rollup(driver.ProcessId("a", "parent")!.Value);
            await driver.SuspendAsync("a", "parent", Ct);

            var forks = new List<double>();
            for (var i = 0; i < children; i++)
            {
                var id = $"child{i}";
                var clock = Stopwatch.StartNew();
                await driver.ForkAsync("a", "parent", new VmDefinition(id, id, Guest, $"{id}-disk"), new ForkOptions(Data: Identity(id)), Ct);
                await WaitForHostname(driver, "a", id, id, TimeSpan.FromSeconds(60));
                forks.Add(clock.Elapsed.TotalMilliseconds);
            }
            var childRollups = Enumerable.Range(0, children).Select(i => Rollup(driver.ProcessId("a", $"child{i}")!.Value)).ToList();

            // Migration of a 128 MiB guest: live over a shared datastore, then stop-and-copy of a local disk back.
            await Register(driver, "a", "mover", "shared", Identity("mover"));
            await driver.PowerOnAsync("a", "mover", Ct);
            await WaitForHostname(driver, "a", "mover", "mover", TimeSpan.FromSeconds(120));
            var live = await Migrate(driver, new MigrationPlan("m1", "mover", "a", "b", Live: true));
            await Register(driver, "a", "local", null, Identity("local"));
            await driver.PowerOnAsync("a", "local", Ct);
            await WaitForHostname(driver, "a", "local", "local", TimeSpan.FromSeconds(120));
            var stopCopy = await Migrate(driver, new MigrationPlan("m2", "local", "a", "b", Live: true));

            return new QemuResult(options.ResolvedAccelerator, children,
                Median(cold), Median(forks), forks.Max(),
                parentRollup.Pss, parentRollup.Rss, (long)childRollups.Average(r => r.Pss), (long)childRollups.Average(r => r.Rss),
                live.Wall, live.Qemu, live.Downtime, stopCopy.Wall, stopCopy.Downtime,
                $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", DateTimeOffset.UtcNow);
        }
        finally
        {
            foreach (var pid in Directory.EnumerateFiles(root, "*.pid", SearchOption.AllDirectories).Select(f => int.Parse(File.ReadAllText(f).Trim())))
                if (QemuVmProcess(pid)) Process.GetProcessById(pid).Kill();
            await driver.DisposeAsync();
            await Task.Delay(200);
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(double Wall, long Qemu, long Downtime)> Migrate(QemuDriver driver, MigrationPlan plan)
    {
        var clock = Stopwatch.StartNew();
        await driver.PrepareMigrationAsync(plan, Ct);
        await driver.SwitchOverAsync(plan, Ct);
        await driver.CompleteMigrationAsync(plan, Ct);
        var wall = clock.Elapsed.TotalMilliseconds;
        await driver.SetGuestDataAsync(plan.TargetHostId, plan.VmId, GuestData.Of(2, [new("hostname", plan.VmId + "-moved")]), Ct);
        await WaitForHostname(driver, plan.TargetHostId, plan.VmId, plan.VmId + "-moved", TimeSpan.FromSeconds(30));
        return (wall, driver.LastMigration!.TotalTimeMs, driver.LastMigration.DowntimeMs);
    }

    private static async Task Register(QemuDriver driver, string host, string id, string? datastore, GuestData data)
    {
        await driver.CreateDiskLayerAsync(host, new DiskLayerSpec($"{id}-disk", "base", 1, datastore), Ct);
        await driver.RegisterVmAsync(host, new VmDefinition(id, id, Guest, $"{id}-disk"), Ct);
        await driver.SetGuestDataAsync(host, id, data, Ct);
    }

    private static GuestData Identity(string hostname) => GuestData.Of(1, [new("hostname", hostname)]);

    private static async Task WaitForHostname(QemuDriver driver, string host, string vmId, string hostname, TimeSpan timeout)
    {
        var console = driver.Paths.Console(host, vmId);
        var deadline = DateTime.UtcNow + timeout;
        while (!(File.Exists(console) && File.ReadAllText(console).Contains($"\"hostname\":\"{hostname}\"")))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{vmId} did not report hostname {hostname}; console: {(File.Exists(console) ? File.ReadAllText(console) : "")}; qemu: {File.ReadAllText(driver.Paths.ProcessLog(host, vmId))}");
            await Task.Delay(5);
        }
    }

    private static (long Pss, long Rss) Rollup(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/smaps_rollup");
        return (MachineReadings.ProportionalKib(text), MachineReadings.ResidentKib(text));
    }

    private static bool QemuVmProcess(int pid) =>
        File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("qemu-system");

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

/// <summary>What the QEMU driver's mechanisms cost on this machine; memory in KiB, times in milliseconds.</summary>
public sealed record QemuResult(
    string Accelerator, int Children,
    double ColdStartMs, double ForkMedianMs, double ForkMaxMs,
    long ParentPssKib, long ParentRssKib, long ChildPssKib, long ChildRssKib,
    double LiveMigrationMs, long LiveQemuTotalMs, long LiveDowntimeMs, double StopCopyMigrationMs, long StopCopyDowntimeMs,
    string Machine, DateTimeOffset At)
{
    public override string ToString() => $"""
        qemu ({Accelerator}), 128 MiB tiny guest, to the guest answering on its channel:
          cold start                 {ColdStartMs,8:F0} ms (median of 3)
          fork from suspended parent {ForkMedianMs,8:F0} ms (median of {Children}; max {ForkMaxMs:F0} ms)  {ColdStartMs / ForkMedianMs:F0}x faster
          memory, parent running     PSS {ParentPssKib / 1024,5} MiB  RSS {ParentRssKib / 1024,5} MiB
          memory, per child          PSS {ChildPssKib / 1024,5} MiB  RSS {ChildRssKib / 1024,5} MiB
          live migration (shared ds) {LiveMigrationMs,8:F0} ms prepare to complete; QEMU {LiveQemuTotalMs} ms, downtime {LiveDowntimeMs} ms
          stop-and-copy (local disk) {StopCopyMigrationMs,8:F0} ms prepare to complete; guest stopped for the copy and {StopCopyDowntimeMs} ms
        """;
}
