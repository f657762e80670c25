using System.Collections.Immutable;
using CloudController.Domain.Fleet;

namespace CloudController.Domain.Placement;

/// <summary>
/// Decides where a VM goes: filters reject the hosts that cannot take it (each rejected host gets one rejection,
/// from the first filter it fails, so a failure can be explained), weighers rank the rest. One pass over the fleet
/// keeping only the best few candidates, so that it decides over ten thousand hosts in well under a millisecond.
/// </summary>
public sealed class PlacementPolicy
{
    public const string ExcludedFilter = "excluded";
    public const string StateFilter = "state";
    public const string CpuFlagsFilter = "cpu-flags";
    public const string CapacityFilter = "capacity";
    public const string HardwareClassFilter = "hardware-class";
    public const string AffinityFilter = "affinity";
    public const string AntiAffinityFilter = "anti-affinity";

    /// <summary>What a cached base image is worth, on the scale where the whole host's memory free is 1,000.</summary>
    private const double CachedImageBonus = 100;

    public static readonly PlacementPolicy Default = new();

    public PlacementDecision Decide(PlacementRequest request, IReadOnlyCollection<HostSnapshot> hosts, int maxCandidates = 5)
    {
        if (maxCandidates < 1) throw new ArgumentOutOfRangeException(nameof(maxCandidates), "at least one candidate");
        var best = new List<(double Score, string HostId)>(Math.Min(maxCandidates, hosts.Count) + 1);
        var rejections = ImmutableArray.CreateBuilder<HostRejection>();
        // Affinity binds only once the group runs somewhere; its first VM may go anywhere.
        var groupRuns = request.GroupPolicy == GroupPolicy.Affinity && request.Group is { } g && hosts.Any(h => h.Groups?.Contains(g) == true);

        foreach (var host in hosts)
        {
            if (Reject(request, host, groupRuns) is { } rejection)
            {
                rejections.Add(rejection);
                continue;
            }
            Offer(best, (Score(request, host), host.HostId), maxCandidates);
        }

        return new PlacementDecision(
            best.Select(c => c.HostId).ToImmutableArray(),
            rejections.ToImmutable(),
            hosts.Count);
    }

    /// <summary>
    /// Places a VM whose memory may shrink from <paramref name="desiredMemoryMib"/> down to
    /// <paramref name="minimumMemoryMib"/>: the desired amount when some host fits it, else the most that fits
    /// some host, never below the minimum.
    /// </summary>
    public (PlacementDecision Decision, long GrantedMemoryMib) DecideWithFlexibleMemory(
        PlacementRequest request, long desiredMemoryMib, long minimumMemoryMib, IReadOnlyCollection<HostSnapshot> hosts, int maxCandidates = 5)
    {
        var desired = Decide(request with { Amount = request.Amount with { MemoryMib = desiredMemoryMib } }, hosts, maxCandidates);
        if (desired.Found) return (desired, desiredMemoryMib);

        // The most memory a host that fits the minimum has free, capped at the desired amount.
        var atMinimum = request with { Amount = request.Amount with { MemoryMib = minimumMemoryMib } };
        long most = -1;
        foreach (var host in hosts)
        {
            if (Reject(atMinimum, host, false) is null) most = Math.Max(most, Math.Min(host.Free.MemoryMib, desiredMemoryMib));
        }
        return most < 0
            ? (Decide(atMinimum, hosts, maxCandidates), minimumMemoryMib)
            : (Decide(request with { Amount = request.Amount with { MemoryMib = most } }, hosts, maxCandidates), most);
    }

    private static HostRejection? Reject(PlacementRequest request, HostSnapshot host, bool groupRuns)
    {
        if (request.ExcludedHosts.Contains(host.HostId))
            return new HostRejection(host.HostId, ExcludedFilter, "excluded by the request");
        if (host.State != HostState.Active)
            return new HostRejection(host.HostId, StateFilter, host.State.ToString().ToLowerInvariant());
        foreach (var flag in request.RequiredCpuFlags)
        {
            if (!host.CpuFlags.Contains(flag))
                return new HostRejection(host.HostId, CpuFlagsFilter, $"lacks CPU flag {flag}");
        }
        if (request.HardwareClasses is { Count: > 0 } classes && !classes.Contains(host.HardwareClass))
            return new HostRejection(host.HostId, HardwareClassFilter, $"is {host.HardwareClass} hardware, not {string.Join(" or ", classes.Order(StringComparer.Ordinal))}");
        if (request.Group is { } group)
        {
            var runsGroup = host.Groups?.Contains(group) == true;
            if (request.GroupPolicy == GroupPolicy.AntiAffinity && runsGroup)
                return new HostRejection(host.HostId, AntiAffinityFilter, $"already runs a VM of group {group}");
            if (request.GroupPolicy == GroupPolicy.Affinity && groupRuns && !runsGroup)
                return new HostRejection(host.HostId, AffinityFilter, $"runs no VM of group {group}");
        }
        var free = host.Free;
        var need = request.Amount;
        if (need.MemoryMib > free.MemoryMib)
            return new HostRejection(host.HostId, CapacityFilter, $"lacks memory (needs {need.MemoryMib} MiB, {free.MemoryMib} MiB free)");
        if (need.CpuCores > free.CpuCores)
            return new HostRejection(host.HostId, CapacityFilter, $"lacks CPU (needs {need.CpuCores} vCPU, {free.CpuCores} free)");
        if (need.DiskGib > free.DiskGib)
            return new HostRejection(host.HostId, CapacityFilter, $"lacks disk (needs {need.DiskGib} GiB, {free.DiskGib} GiB free)");
        return null;
    }

    /// <summary>
    /// Higher is better. Spread favours free memory (as a share of the host), pack the opposite; a host that already
    /// holds the VM's base image saves a copy; then idle CPU, then few VMs.
    /// </summary>
    private static double Score(PlacementRequest request, HostSnapshot host)
    {
        var capacity = Math.Max(1, host.Capacity.MemoryMib);
        var freeShare = (double)(host.Free.MemoryMib - request.Amount.MemoryMib) / capacity;
        var memory = request.Strategy == PlacementStrategy.Spread ? freeShare : 1 - freeShare;
        var cached = request.Image is { } image && host.CachedImages?.Contains(image) == true ? CachedImageBonus : 0;
        return memory * 1_000 + cached + (1 - Math.Clamp(host.CpuLoad, 0, 1)) * 10 - Math.Min(host.VmCount, 1_000) / 1_000.0;
    }

    /// <summary>Keeps the best <paramref name="max"/> by score, ties broken by host id, without sorting the fleet.</summary>
    private static void Offer(List<(double Score, string HostId)> best, (double Score, string HostId) candidate, int max)
    {
        var at = best.Count;
        while (at > 0 && IsBetter(candidate, best[at - 1])) at--;
        if (at >= max) return;
        best.Insert(at, candidate);
        if (best.Count > max) best.RemoveAt(best.Count - 1);
    }

    private static bool IsBetter((double Score, string HostId) a, (double Score, string HostId) b) =>
        a.Score > b.Score || (a.Score == b.Score && string.CompareOrdinal(a.HostId, b.HostId) < 0);
}
