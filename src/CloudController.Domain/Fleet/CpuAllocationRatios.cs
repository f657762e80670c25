using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>
/// CPU over-commit, as Nova's cpu_allocation_ratio: a host of N cores schedules N x ratio vCPUs, because vCPUs are
/// time-shared and seldom all busy. One ratio for the fleet, overridden per host. Memory and disk are never
/// over-committed this way (a forked child's shared pages are accounted by its pool instead).
/// </summary>
public sealed record CpuAllocationRatios(double Default, ImmutableDictionary<string, double> PerHost)
{
    /// <summary>No over-commit: a vCPU per core.</summary>
    public static readonly CpuAllocationRatios None = new(1, ImmutableDictionary<string, double>.Empty);

    public double For(string hostId) => PerHost.TryGetValue(hostId, out var ratio) ? ratio : Default;

    /// <summary>The vCPUs a host of <paramref name="physicalCores"/> cores schedules at <paramref name="ratio"/>.</summary>
    public static int Schedulable(int physicalCores, double ratio) => (int)Math.Floor(physicalCores * ratio);

    /// <summary>Why a ratio cannot be used, or null: a ratio is a positive number (below 1 keeps cores in reserve).</summary>
    public static string? Problem(double ratio) =>
        double.IsFinite(ratio) && ratio > 0 ? null : $"{ratio} is not a positive number";
}
