using CloudController.Domain.Fleet;

namespace CloudController.Domain.Pools;

/// <summary>
/// Spreads children over hosts: each next child goes to the host with the most memory left once it is there, so
/// that a pool fills hosts evenly. A host without a replica first has to hold the replica's cost as well.
/// </summary>
public static class ChildPlacement
{
    /// <returns>One host id per child placed, fewer than asked when the hosts are full.</returns>
    public static IReadOnlyList<string> Spread(
        int count, IEnumerable<HostSnapshot> hosts, IReadOnlySet<string> hostsWithReplica, Resources childCost, Resources replicaCost)
    {
        var queue = new PriorityQueue<(string HostId, Resources Free, bool HasReplica), long>();
        foreach (var host in hosts)
        {
            queue.Enqueue((host.HostId, host.Free, hostsWithReplica.Contains(host.HostId)), -host.Free.MemoryMib);
        }
        var placed = new List<string>(count);
        while (placed.Count < count && queue.TryDequeue(out var host, out _))
        {
            var need = host.HasReplica ? childCost : childCost + replicaCost;
            if (!need.FitsWithin(host.Free)) continue; // full: it leaves the queue
            placed.Add(host.HostId);
            var free = host.Free - need;
            queue.Enqueue((host.HostId, free, true), -free.MemoryMib);
        }
        return placed;
    }
}
