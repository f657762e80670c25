using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using CloudController.Api.Services;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Metrics;
using CloudController.Cluster.Pools;
using CloudController.Cluster.ReadModels;

namespace CloudController.Api.Metrics;

/// <summary>
/// Sets the gauges read from the actors just before a scrape exports them: pools, the key pool, the cluster's
/// members, this node's shards and tasks. A part that does not answer in time keeps its last figures.
/// </summary>
public sealed class ScrapeGauges(ControllerActors actors)
{
    private static readonly string[] PoolStates = ["desired", "ready", "running", "forking", "lost", "removing"];

    private readonly SemaphoreSlim _one = new(1, 1);
    private HashSet<string> _pools = new(StringComparer.Ordinal);

    public async Task UpdateAsync(CancellationToken ct)
    {
        // Scrapes that overlap would ask the same actors twice for the same figures.
        await _one.WaitAsync(ct);
        try
        {
            Tasks();
            Members();
            await Task.WhenAll(PoolsAsync(ct), KeyPoolAsync(ct), ShardsAsync(ct));
        }
        finally
        {
            _one.Release();
        }
    }

    private static void Tasks()
    {
        ControllerMetrics.TasksRunning.Set(ControllerMetrics.RunningTaskCount);
        ControllerMetrics.OldestTaskSeconds.Set(ControllerMetrics.OldestRunningTaskSeconds(DateTimeOffset.UtcNow));
    }

    private void Members()
    {
        var state = Akka.Cluster.Cluster.Get(actors.System).State;
        foreach (var status in Enum.GetValues<MemberStatus>())
            ControllerMetrics.ClusterMembers.WithLabels(status.ToString()).Set(state.Members.Count(m => m.Status == status));
        ControllerMetrics.ClusterUnreachableMembers.Set(state.Unreachable.Count);
    }

    private async Task PoolsAsync(CancellationToken ct)
    {
        var names = (IReadOnlyList<string>)await actors.Ask(actors.PoolDirectory, new ProjectionQuery<PoolDirectory>(d => d.Names()), ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (await actors.Ask(actors.Pools, new ChildPoolProtocol.GetPool(name), ct) is not ChildPoolProtocol.PoolStatus s) continue;
            seen.Add(name);
            int[] counts = [s.Definition.Desired, s.Ready, s.Running, s.Forking, s.Lost, s.Removing];
            for (var i = 0; i < PoolStates.Length; i++) ControllerMetrics.PoolChildren.WithLabels(name, PoolStates[i]).Set(counts[i]);
            ControllerMetrics.PoolChildFailures.WithLabels(name).IncTo(s.FailedTotal);
        }
        // A deleted pool's series end instead of showing its last counts for ever.
        foreach (var gone in _pools.Where(p => !seen.Contains(p)))
        {
            foreach (var state in PoolStates) ControllerMetrics.PoolChildren.RemoveLabelled(gone, state);
            ControllerMetrics.PoolChildFailures.RemoveLabelled(gone);
        }
        _pools = seen;
    }

    private async Task KeyPoolAsync(CancellationToken ct)
    {
        if (await actors.Ask(actors.KeyPools, new KeyPoolProtocol.GetStatus(KeyPoolProtocol.DefaultPool), ct) is not KeyPoolProtocol.KeyPoolStatus s) return;
        ControllerMetrics.KeyPoolAvailable.Set(s.Available);
        ControllerMetrics.KeyPoolTarget.Set(s.Target);
        ControllerMetrics.KeyPoolRefillRate.Set(s.RefillPerSecond);
        ControllerMetrics.KeyPoolHandOutRate.Set(s.HandOutsPerSecond);
        ControllerMetrics.KeyPoolSecondsToEmpty.Set(s.SecondsToEmpty ?? 0);
    }

    private async Task ShardsAsync(CancellationToken ct)
    {
        var sharding = ClusterSharding.Get(actors.System);
        await Task.WhenAll(sharding.ShardTypeNames.Select(async type =>
        {
            var state = await sharding.ShardRegion(type).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, actors.AskTimeout, ct);
            ControllerMetrics.Shards.WithLabels(type).Set(state.Shards.Count);
            ControllerMetrics.Entities.WithLabels(type).Set(state.Shards.Sum(s => s.EntityIds.Count));
        }));
    }
}
