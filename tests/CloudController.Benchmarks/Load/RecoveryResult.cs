namespace CloudController.Benchmarks.Load;

/// <summary>What a restart cost: seconds from starting the node until it listens, its pool is back, its hosts are back.</summary>
public sealed record RecoveryResult(int Children, int Hosts, double ListeningSeconds, double PoolBackSeconds, double HostsBackSeconds, string Machine, DateTimeOffset At)
{
    public override string ToString() =>
        $"recovery: listening after {ListeningSeconds:F2} s; the {Children}-child pool back after {PoolBackSeconds:F2} s; all {Hosts} hosts after {HostsBackSeconds:F2} s";
}
