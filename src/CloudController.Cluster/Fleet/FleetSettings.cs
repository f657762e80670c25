using System.Collections.Immutable;
using Akka.Configuration;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Fleet;

namespace CloudController.Cluster.Fleet;

/// <summary>How hosts are watched, found and reconciled, and how far their CPUs are over-committed: <c>fleet.*</c>.</summary>
/// <param name="MonitorInterval">How often a host asks its driver for its state.</param>
/// <param name="StatusRefreshInterval">How often a host whose status did not change sends it to the fleet views anyway.</param>
/// <param name="DiscoveryInterval">How often a node asks the driver which hosts exist.</param>
/// <param name="AgentRefreshInterval">With the agents driver: how often a node reads which host agents joined or were removed.</param>
/// <param name="UnreachableAfter">How long a host must fail to answer before it is offline (and reconciles when it answers again).</param>
/// <param name="UnknownVms">What a host does with a VM no record knows once it has been unknown for <paramref name="UnknownVmGrace"/>.</param>
/// <param name="UnknownVmGrace">How long drift must last before it is acted on: an unknown VM destroyed (or kept), a recorded one gone marked lost.</param>
/// <param name="ReconcileEvery">How often a host that stays reachable reconciles anyway, so that drift on it is found without an outage.</param>
/// <param name="CpuAllocation">CPU over-commit per host (cpu-allocation-ratio, cpu-allocation-ratios).</param>
public sealed record FleetSettings(
    TimeSpan MonitorInterval,
    TimeSpan StatusRefreshInterval,
    TimeSpan DiscoveryInterval,
    TimeSpan AgentRefreshInterval,
    TimeSpan UnreachableAfter,
    UnknownVmPolicy UnknownVms,
    TimeSpan UnknownVmGrace,
    TimeSpan ReconcileEvery,
    CpuAllocationRatios CpuAllocation)
{
    public static FleetSettings FromConfig(SettingsSection fleet) => new(
        fleet.PositiveDuration("monitor-interval", "2s"),
        fleet.PositiveDuration("status-refresh-interval", "30s"),
        fleet.PositiveDuration("discovery-interval", "60s"),
        fleet.PositiveDuration("agent-refresh-interval", "5s"),
        fleet.PositiveDuration("unreachable-after", "10s"),
        fleet.String("unknown-vms") switch
        {
            "destroy" => UnknownVmPolicy.Destroy,
            "keep" => UnknownVmPolicy.Keep,
            var other => throw new ConfigurationException($"{fleet.Key("unknown-vms")} = '{other}'; use destroy or keep."),
        },
        fleet.PositiveDuration("unknown-vm-grace", "5m"),
        fleet.PositiveDuration("reconcile-every", "1m"),
        CpuAllocationFrom(fleet));

    private static CpuAllocationRatios CpuAllocationFrom(SettingsSection fleet)
    {
        double Checked(string key, double value) => CpuAllocationRatios.Problem(value) is { } problem
            ? throw new ConfigurationException($"{fleet.Key(key)} = {problem}; use a positive number of vCPUs per core, e.g. 16.")
            : value;
        var perHost = fleet.Raw("cpu-allocation-ratios") is { IsEmpty: false } hosts
            ? hosts.AsEnumerable().ToImmutableDictionary(
                kv => kv.Key, kv => Checked($"cpu-allocation-ratios.{kv.Key}", kv.Value.GetDouble()), StringComparer.Ordinal)
            : ImmutableDictionary<string, double>.Empty;
        return new CpuAllocationRatios(Checked("cpu-allocation-ratio", fleet.Double("cpu-allocation-ratio")), perHost);
    }
}
