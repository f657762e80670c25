using System.Collections.Immutable;
using Akka.Configuration;
using CloudController.Domain.Disks;

namespace CloudController.Cluster.Hosting;

/// <summary>The controller's own settings, read from the <c>cloudcontroller</c> section of the HOCON configuration.</summary>
public sealed record ControllerSettings(
    int ShardCount,
    TimeSpan MonitorInterval,
    TimeSpan DiscoveryInterval,
    TimeSpan StepTimeout,
    TimeSpan ReservationLease,
    TimeSpan RetryBackoffMin,
    TimeSpan RetryBackoffMax,
    TimeSpan FinishedTaskLinger,
    TimeSpan AskTimeout,
    int SnapshotEvery,
    string WorkDirectory,
    DiskLayout DiskLayout,
    int PoolBatchSize,
    int ForkConcurrency,
    TimeSpan PoolReconcileInterval,
    int PoolSnapshotEvery,
    long ChildDiskGib,
    double RebalanceMemoryThreshold,
    double RebalanceCpuThreshold,
    TimeSpan RebalanceInterval,
    int RebalanceMaxMoves,
    CloudController.Cluster.KeyPool.KeyPoolSettings KeyPool,
    TimeSpan StorageRebalanceInterval,
    CloudController.Cluster.Access.AccessSettings Access,
    TimeSpan UsageSampleInterval,
    TimeSpan UsageRetention)
{
    /// <summary>CPU over-commit per host (fleet.cpu-allocation-ratio, fleet.cpu-allocation-ratios); none unless configured.</summary>
    public Domain.Fleet.CpuAllocationRatios CpuAllocation { get; init; } = Domain.Fleet.CpuAllocationRatios.None;

    /// <summary>With the agents driver: how often a node reads which host agents joined or were removed.</summary>
    public TimeSpan AgentRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The audit trail's retention, bound and snapshots (audit).</summary>
    public Audit.AuditSettings Audit { get; init; } = CloudController.Cluster.Audit.AuditSettings.Default;

    /// <summary>How long a host must fail to answer before it is offline (and reconciles when it answers again).</summary>
    public TimeSpan UnreachableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What a host does with a VM no record knows once it has been unknown for <see cref="UnknownVmGrace"/>.</summary>
    public Domain.Fleet.UnknownVmPolicy UnknownVms { get; init; } = Domain.Fleet.UnknownVmPolicy.Destroy;

    /// <summary>How long drift must last before it is acted on: an unknown VM destroyed (or kept), a recorded one gone marked lost.</summary>
    public TimeSpan UnknownVmGrace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a host that stays reachable reconciles anyway, so that drift on it is found without an outage.</summary>
    public TimeSpan ReconcileEvery { get; init; } = TimeSpan.FromMinutes(1);

    public static ControllerSettings FromConfig(Config config)
    {
        var c = config.GetConfig("cloudcontroller")
                ?? throw new ConfigurationException("The configuration has no 'cloudcontroller' section.");
        var keyPool = CloudController.Cluster.KeyPool.KeyPoolSettings.FromConfig(c.GetConfig("key-pool") ?? ConfigurationFactory.Empty, c.GetString("data-dir", Path.GetTempPath()));
        return new ControllerSettings(
            ShardCount: c.GetInt("cluster.shard-count", 100),
            MonitorInterval: c.GetTimeSpan("fleet.monitor-interval", TimeSpan.FromSeconds(2)),
            DiscoveryInterval: c.GetTimeSpan("fleet.discovery-interval", TimeSpan.FromMinutes(1)),
            StepTimeout: c.GetTimeSpan("provisioning.step-timeout", TimeSpan.FromSeconds(60)),
            ReservationLease: c.GetTimeSpan("provisioning.reservation-lease", TimeSpan.FromMinutes(10)),
            RetryBackoffMin: c.GetTimeSpan("provisioning.retry-backoff-min", TimeSpan.FromMilliseconds(200)),
            RetryBackoffMax: c.GetTimeSpan("provisioning.retry-backoff-max", TimeSpan.FromSeconds(30)),
            FinishedTaskLinger: c.GetTimeSpan("provisioning.finished-task-linger", TimeSpan.FromSeconds(30)),
            AskTimeout: c.GetTimeSpan("cluster.ask-timeout", TimeSpan.FromSeconds(10)),
            SnapshotEvery: c.GetInt("persistence.snapshot-every", 200),
            WorkDirectory: c.GetString("provisioning.work-dir", "") is { Length: > 0 } work
                ? work
                : Path.Combine(c.GetString("data-dir", Path.GetTempPath()), "work"),
            DiskLayout: c.GetString("provisioning.disk-layout", "per-host-cache") switch
            {
                "shared-inner-layers" => DiskLayout.SharedInnerLayers,
                "full-copy" => DiskLayout.FullCopy,
                "per-host-cache" => DiskLayout.PerHostCache,
                var other => throw new ConfigurationException(
                    $"cloudcontroller.provisioning.disk-layout = '{other}'; use shared-inner-layers, full-copy or per-host-cache."),
            },
            PoolBatchSize: Positive(c, "pools.batch-size", 500),
            ForkConcurrency: Positive(c, "pools.fork-concurrency", 64),
            PoolReconcileInterval: c.GetTimeSpan("pools.reconcile-interval", TimeSpan.FromSeconds(1)),
            PoolSnapshotEvery: Positive(c, "pools.snapshot-every", 8),
            ChildDiskGib: Positive(c, "pools.child-disk-gib", 1),
            RebalanceMemoryThreshold: Fraction(c, "rebalancing.memory-threshold", 0.85),
            RebalanceCpuThreshold: Fraction(c, "rebalancing.cpu-threshold", 0.9),
            RebalanceInterval: c.GetTimeSpan("rebalancing.interval", TimeSpan.Zero),
            RebalanceMaxMoves: Positive(c, "rebalancing.max-moves", 10),
            KeyPool: keyPool,
            StorageRebalanceInterval: c.GetTimeSpan("storage.rebalance-interval", TimeSpan.FromSeconds(30)),
            Access: CloudController.Cluster.Access.AccessSettings.FromConfig(c.GetConfig("access") ?? ConfigurationFactory.Empty, keyPool.SecretsDirectory),
            UsageSampleInterval: c.GetTimeSpan("usage.sample-interval", TimeSpan.FromSeconds(10)),
            UsageRetention: c.GetTimeSpan("usage.retention", TimeSpan.FromDays(400)))
        {
            CpuAllocation = CpuAllocationFrom(c),
            AgentRefreshInterval = c.GetTimeSpan("fleet.agent-refresh-interval", TimeSpan.FromSeconds(5)),
            Audit = CloudController.Cluster.Audit.AuditSettings.FromConfig(c.GetConfig("audit") ?? ConfigurationFactory.Empty),
            UnreachableAfter = c.GetTimeSpan("fleet.unreachable-after", TimeSpan.FromSeconds(10)),
            UnknownVms = c.GetString("fleet.unknown-vms", "destroy") switch
            {
                "destroy" => Domain.Fleet.UnknownVmPolicy.Destroy,
                "keep" => Domain.Fleet.UnknownVmPolicy.Keep,
                var other => throw new ConfigurationException($"cloudcontroller.fleet.unknown-vms = '{other}'; use destroy or keep."),
            },
            UnknownVmGrace = c.GetTimeSpan("fleet.unknown-vm-grace", TimeSpan.FromMinutes(5)) is { Ticks: > 0 } grace
                ? grace
                : throw new ConfigurationException("cloudcontroller.fleet.unknown-vm-grace must be longer than zero, e.g. 5m."),
            ReconcileEvery = c.GetTimeSpan("fleet.reconcile-every", TimeSpan.FromMinutes(1)) is { Ticks: > 0 } every
                ? every
                : throw new ConfigurationException("cloudcontroller.fleet.reconcile-every must be longer than zero, e.g. 1m."),
        };
    }

    private static Domain.Fleet.CpuAllocationRatios CpuAllocationFrom(Config c)
    {
        double Checked(string key, double value) => Domain.Fleet.CpuAllocationRatios.Problem(value) is { } problem
            ? throw new ConfigurationException($"cloudcontroller.{key} = {problem}; use a positive number of vCPUs per core, e.g. 16.")
            : value;
        var perHost = c.GetConfig("fleet.cpu-allocation-ratios") is { IsEmpty: false } hosts
            ? hosts.AsEnumerable().ToImmutableDictionary(
                kv => kv.Key, kv => Checked($"fleet.cpu-allocation-ratios.{kv.Key}", kv.Value.GetDouble()), StringComparer.Ordinal)
            : ImmutableDictionary<string, double>.Empty;
        return new Domain.Fleet.CpuAllocationRatios(Checked("fleet.cpu-allocation-ratio", c.GetDouble("fleet.cpu-allocation-ratio", 1)), perHost);
    }

    private static double Fraction(Config c, string key, double fallback)
    {
        var value = c.GetDouble(key, fallback);
        return value is > 0 and <= 1 ? value : throw new ConfigurationException($"cloudcontroller.{key} = {value}; use a fraction in (0, 1].");
    }

    private static int Positive(Config c, string key, int fallback)
    {
        var value = c.GetInt(key, fallback);
        return value > 0 ? value : throw new ConfigurationException($"cloudcontroller.{key} = {value}; it must be at least 1.");
    }

    /// <summary>Exponential backoff for the n-th retry (n starting at 1), capped.</summary>
    public TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(
            RetryBackoffMax.TotalMilliseconds,
            RetryBackoffMin.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1))));
}
