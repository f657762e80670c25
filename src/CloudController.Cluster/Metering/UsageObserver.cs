using Akka.Actor;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.Pools;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Metering;
using CloudController.Domain.Pools;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.Metering;

/// <summary>
/// Reads what is in use now: the VMs from this node's VM directory (past provisioning: a VM rolled back never counts)
/// and every pool's ready children, sized as their template. A pool that does not answer is left out of the sources
/// seen, so the ledger ends none of its children on its account.
/// </summary>
public sealed class UsageObserver(IActorRef vmDirectory, IActorRef poolDirectory, IActorRef pools, IActorRef replicaMaps, TimeSpan askTimeout)
{
    public const string VmSource = "vms";

    public static string PoolSource(string pool) => $"pool:{pool}";

    public async Task<UsageObservation> ObserveAsync(IEnumerable<string> openSources)
    {
        var at = DateTimeOffset.UtcNow;
        var vms = (IReadOnlyList<VmRecord>)await vmDirectory.Ask<object>(new ProjectionQuery<VmDirectory>(d => d.List(null)), askTimeout);
        var live = vms
            .Where(v => v.State is not (VmState.Provisioning or VmState.Lost))
            .Select(v => new MeteredVm($"vm:{v.VmId}", v.Owner ?? UsageLedger.NoOwner, VmSource, v.Hardware, v.CreatedAt))
            .ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal) { VmSource };

        // A pool deleted since the last sample is no longer listed: still read, so that its children end.
        var listed = (IReadOnlyList<string>)await poolDirectory.Ask<object>(new ProjectionQuery<PoolDirectory>(d => d.Names()), askTimeout);
        var names = listed.Concat(openSources.Where(s => s.StartsWith("pool:", StringComparison.Ordinal)).Select(s => s["pool:".Length..])).Distinct();
        foreach (var name in names)
        {
            // Unread this time (no answer, or no template to size its children by): its children carry on as they were.
            if (await ReadyChildrenAsync(name) is not { } children) continue;
            live.AddRange(children);
            seen.Add(PoolSource(name));
        }
        return new UsageObservation(at, seen, live);
    }

    /// <summary>The pool's ready children (none once it is gone), or null when the pool could not be read.</summary>
    private async Task<IEnumerable<MeteredVm>?> ReadyChildrenAsync(string pool)
    {
        try
        {
            if (await pools.Ask<object>(new ChildPoolProtocol.GetPool(pool, WithChildren: true), askTimeout) is not ChildPoolProtocol.PoolStatus status)
                return [];
            var map = await replicaMaps.Ask<object>(new ReplicaMapProtocol.GetReplicaMap(status.Definition.Template), askTimeout);
            return (map as ReplicaMapProtocol.ReplicaMapStatus)?.Map.Template?.Hardware is { } hardware ? ChildrenOf(status, pool, hardware) : null;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static IEnumerable<MeteredVm> ChildrenOf(ChildPoolProtocol.PoolStatus status, string pool, Domain.Resources hardware) =>
        status.Children!
            .Where(c => c.State == ChildState.Ready)
            .Select(c => new MeteredVm($"pool:{pool}:{c.ChildId}", status.Definition.Owner ?? UsageLedger.NoOwner, PoolSource(pool), hardware, c.CreatedAt));
}
