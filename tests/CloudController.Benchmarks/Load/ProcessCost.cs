using System.Diagnostics;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// What a run cost the process that ran it (node and client together when the tool started the node): CPU time,
/// bytes allocated and time paused for garbage collection, per operation. It says where a rate's ceiling is: an
/// operation that costs 40 ms of CPU cannot run at more than 50 a second on two cores, whatever the concurrency.
/// </summary>
public sealed record ProcessCost(double CpuMsPerOp, double AllocatedKibPerOp, double GcPausedShare, int Gen0, int Gen1, int Gen2)
{
    public static Meter Start() => new(Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false),
        GC.GetTotalPauseDuration(), Stopwatch.GetTimestamp(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public override string ToString() =>
        $"process cost per operation: {CpuMsPerOp:F1} ms CPU, {AllocatedKibPerOp:F0} KiB allocated; paused for GC {GcPausedShare:P1} of the run (gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2})";

    public sealed record Meter(TimeSpan Cpu, long Allocated, TimeSpan Paused, long StartedAt, int Gen0, int Gen1, int Gen2)
    {
        public ProcessCost Stop(int operations)
        {
            var wall = Stopwatch.GetElapsedTime(StartedAt);
            var ops = Math.Max(1, operations);
            return new ProcessCost(
                (Process.GetCurrentProcess().TotalProcessorTime - Cpu).TotalMilliseconds / ops,
                (GC.GetTotalAllocatedBytes(precise: false) - Allocated) / 1024.0 / ops,
                (GC.GetTotalPauseDuration() - Paused) / wall,
                GC.CollectionCount(0) - Gen0, GC.CollectionCount(1) - Gen1, GC.CollectionCount(2) - Gen2);
        }
    }
}
