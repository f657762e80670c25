using System.Collections.Immutable;
using CloudController.Domain.Fleet;

namespace CloudController.Domain.Placement;

/// <summary>A VM that can move, where it is, and what it holds there.</summary>
public sealed record MovableVm(string VmId, string HostId, Resources Hardware);

/// <summary>One planned migration and why.</summary>
public sealed record PlannedMove(string VmId, string FromHostId, string ToHostId, string Reason);

/// <summary>
/// Plans migrations off hosts whose memory use or measured CPU load is over a threshold: from each hot host, its
/// smallest VMs first (cheapest to move) until it is under again, each to the host placement prefers among those
/// that stay under the threshold with it. Later moves see earlier ones, so two never pile onto one host.
/// </summary>
public static class RebalancePlanner
{
    public static ImmutableArray<PlannedMove> Plan(
        IReadOnlyList<HostSnapshot> hosts, IReadOnlyList<MovableVm> vms, double memoryThreshold, double cpuThreshold, int maxMoves)
    {
        var state = hosts.ToDictionary(h => h.HostId, StringComparer.Ordinal);
        var moves = ImmutableArray.CreateBuilder<PlannedMove>();
        foreach (var hot in hosts.Where(h => IsHot(h, memoryThreshold, cpuThreshold)).OrderByDescending(h => MemoryUse(h)))
        {
            var reason = MemoryUse(hot) > memoryThreshold
                ? $"{hot.HostId} uses {MemoryUse(hot):P0} of its memory, over {memoryThreshold:P0}"
                : $"{hot.HostId} runs at {hot.CpuLoad:P0} CPU, over {cpuThreshold:P0}";
            foreach (var vm in vms.Where(v => v.HostId == hot.HostId).OrderBy(v => v.Hardware.MemoryMib).ThenBy(v => v.VmId, StringComparer.Ordinal))
            {
                if (moves.Count >= maxMoves || !IsHot(state[hot.HostId], memoryThreshold, cpuThreshold)) break;
                var cool = state.Values.Where(h => h.HostId != hot.HostId && !IsHot(After(h, vm.Hardware), memoryThreshold, cpuThreshold));
                var decision = PlacementPolicy.Default.Decide(PlacementRequest.For(vm.Hardware), cool.ToList());
                if (!decision.Found) continue;
                var target = decision.Candidates[0];
                moves.Add(new PlannedMove(vm.VmId, hot.HostId, target, reason));
                state[target] = After(state[target], vm.Hardware);
                var source = state[hot.HostId];
                // The source sheds the VM's memory and, as an estimate, its share of the measured load.
                var share = source.Capacity.CpuCores == 0 ? 0 : (double)vm.Hardware.CpuCores / source.Capacity.CpuCores;
                state[hot.HostId] = source with
                {
                    Allocated = source.Allocated - vm.Hardware,
                    CpuLoad = Math.Max(0, source.CpuLoad - share),
                    VmCount = source.VmCount - 1,
                };
            }
        }
        return moves.ToImmutable();
    }

    public static double MemoryUse(HostSnapshot h) =>
        h.Capacity.MemoryMib == 0 ? 0 : (double)(h.Allocated.MemoryMib + h.Reserved.MemoryMib) / h.Capacity.MemoryMib;

    private static bool IsHot(HostSnapshot h, double memoryThreshold, double cpuThreshold) =>
        h.State == HostState.Active && (MemoryUse(h) > memoryThreshold || h.CpuLoad > cpuThreshold);

    private static HostSnapshot After(HostSnapshot h, Resources added)
    {
        var share = h.Capacity.CpuCores == 0 ? 0 : (double)added.CpuCores / h.Capacity.CpuCores;
        return h with { Allocated = h.Allocated + added, CpuLoad = Math.Min(1, h.CpuLoad + share), VmCount = h.VmCount + 1 };
    }
}
