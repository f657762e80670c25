namespace CloudController.Benchmarks.Load;

/// <summary>What a load run measured, as written to its JSON result file.</summary>
public sealed record LoadResult(
    string Scenario,
    int Count,
    int Errors,
    double WallSeconds,
    double PerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    string Machine,
    string Target,
    DateTimeOffset At)
{
    /// <summary>The journal's own commit latency, timed in the same run (hand-outs on an embedded node only).</summary>
    public CommitLatency? JournalCommit { get; init; }

    /// <summary>What the run cost this process per operation, when the tool started the node itself.</summary>
    public ProcessCost? Cost { get; init; }

    /// <summary>The operation's p99 over the journal commit's p99: how much above the durable write's own cost it is.</summary>
    public double? P99OverCommitP99 => JournalCommit is { P99Ms: > 0 } commit ? P99Ms / commit.P99Ms : null;

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static LoadResult From(string scenario, IReadOnlyList<double> latenciesMs, int errors, TimeSpan wall, string target)
    {
        var sorted = latenciesMs.Order().ToArray();
        double At(double p) => Percentile(sorted, p);
        return new LoadResult(scenario, sorted.Length, errors, wall.TotalSeconds, sorted.Length / wall.TotalSeconds,
            At(0.50), At(0.95), At(0.99), sorted.LastOrDefault(),
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}", target, DateTimeOffset.UtcNow);
    }

    public override string ToString() =>
        $"{Scenario}: {Count} in {WallSeconds:F2} s = {PerSecond:F0}/s; latency p50 {P50Ms:F1} ms, p95 {P95Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F1} ms; {Errors} errors" +
        (JournalCommit is { } commit
            ? $"\njournal commit x{commit.Count} (same run, same file, same pragmas): p50 {commit.P50Ms:F1} ms, p99 {commit.P99Ms:F1} ms, max {commit.MaxMs:F1} ms; p99 / commit p99 = {P99OverCommitP99:F2}"
            : "") +
        (Cost is { } cost ? $"\n{cost}" : "");
}
