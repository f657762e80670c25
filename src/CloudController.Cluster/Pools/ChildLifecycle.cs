using CloudController.Cluster.Metrics;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.KeyPool;
using CloudController.Domain;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;
using CloudController.Hypervisor;
using HostProtocol = CloudController.Cluster.Hosts.HostProtocol;

namespace CloudController.Cluster.Pools;

/// <summary>
/// Forks and removes a pool's children on their hosts: replicas ensured for every host of a batch at once, capacity
/// allocated per host in one ledger write, forks run side by side. Each child gets its identity as guest data at the
/// fork, so it never reboots. Every step is idempotent: a batch interrupted by a crash is simply run again.
/// </summary>
public sealed class ChildLifecycle(
    IHypervisorDriver driver, IActorRef hosts, IActorRef replicaMaps, IActorRef keyPools, byte[] controllerKey, ControllerSettings settings)
{
    public async Task<BatchOutcome> ForkAsync(PoolDefinition pool, IReadOnlyList<PoolChild> children, CancellationToken ct)
    {
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var hostIds = children.Select(c => c.HostId).Distinct(StringComparer.Ordinal).ToImmutableArray();

        var map = await replicaMaps.Ask<object>(new ReplicaMapProtocol.GetReplicaMap(pool.Template), settings.Entities.AskTimeout, ct);
        if (map is not ReplicaMapProtocol.ReplicaMapStatus { Map.Template: { } template })
            return AllFailed(children, $"template {pool.Template} is not defined");
        var ensured = await replicaMaps.Ask<ReplicaMapProtocol.ReplicasEnsured>(
            new ReplicaMapProtocol.EnsureReplicas(pool.Template, hostIds), settings.Provisioning.StepTimeout, ct);
        foreach (var child in children.Where(c => ensured.Failed.ContainsKey(c.HostId)))
            failed[child.ChildId] = $"no replica on {child.HostId}: {ensured.Failed[child.HostId]}";

        // Each child gets a one-time token for its activation agent, and the key to verify what that hands it.
        var granted = await keyPools.Ask<KeyPoolProtocol.TokensGranted>(new KeyPoolProtocol.IssueTokens(KeyPoolProtocol.DefaultPool,
            children.Select(c => new KeyPoolProtocol.TokenRequest(c.ChildId, c.Name, c.Ip)).ToImmutableArray()), settings.Entities.AskTimeout, ct);
        var controller = Convert.ToBase64String(controllerKey);
        // A child forked by an interrupted run of this batch still holds the token the new one revoked.
        var retried = granted.Replaced.ToHashSet(StringComparer.Ordinal);

        var cost = template.ChildCost(settings.Pools.ChildDiskGib);
        await Task.WhenAll(children.Where(c => !failed.ContainsKey(c.ChildId)).GroupBy(c => c.HostId).Select(async onHost =>
        {
            var ids = onHost.Select(c => c.ChildId).ToImmutableArray();
            var reply = await hosts.Ask<object>(new HostProtocol.AllocateMany(onHost.Key, pool.Name, ids, cost), settings.Entities.AskTimeout, ct);
            if (reply is HostProtocol.HostRefused refused)
                foreach (var id in ids) failed[id] = $"host {onHost.Key} refused: {refused.Reason}";
        }));

        await Parallel.ForEachAsync(children.Where(c => !failed.ContainsKey(c.ChildId)),
            new ParallelOptions { MaxDegreeOfParallelism = settings.Pools.ForkConcurrency, CancellationToken = ct },
            async (child, token) =>
            {
                var forking = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    var definition = new VmDefinition(child.ChildId, child.Name, template.Hardware, child.DiskLayerId, child.Mac);
                    var data = Identity(pool, child)
                        .Append(KeyValuePair.Create("activation.token", granted.Tokens[child.ChildId]))
                        .Append(KeyValuePair.Create("controller.key", controller));
                    var guestData = GuestData.Of(1, data);
                    var options = new ForkOptions(pool.PowerOnAhead, pool.Persistent, guestData);
                    await driver.ForkAsync(child.HostId, ensured.Ready[child.HostId], definition, options, token);
                    // Generations only rise: a retry's is its time, above the fork's 1 and any earlier retry's.
                    if (retried.Contains(child.ChildId))
                        await driver.SetGuestDataAsync(child.HostId, child.ChildId, guestData with { Generation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, token);
                    ControllerMetrics.ForkDuration.WithLabels("done").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(forking).TotalSeconds);
                }
                catch (HypervisorException e)
                {
                    ControllerMetrics.ForkDuration.WithLabels("failed").Observe(System.Diagnostics.Stopwatch.GetElapsedTime(forking).TotalSeconds);
                    failed[child.ChildId] = e.Message;
                }
            });

        return new BatchOutcome(
            children.Select(c => c.ChildId).Where(id => !failed.ContainsKey(id)).ToImmutableArray(),
            failed.GroupBy(f => f.Value).ToImmutableDictionary(g => g.Key, g => g.Select(f => f.Key).ToImmutableArray()),
            []);
    }

    /// <summary>Powers on children forked powered off: they start from the forked state, without booting.</summary>
    public async Task<ImmutableArray<string>> StartAsync(IReadOnlyList<PoolChild> children, CancellationToken ct)
    {
        var started = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(children, new ParallelOptions { MaxDegreeOfParallelism = settings.Pools.ForkConcurrency, CancellationToken = ct },
            async (child, token) =>
            {
                try
                {
                    await driver.PowerOnAsync(child.HostId, child.ChildId, token);
                    started.Add(child.ChildId);
                }
                catch (HypervisorException)
                {
                    // Stays powered off; asking again starts it, or another one.
                }
            });
        return [.. started];
    }

    /// <summary>
    /// Removes children from their hosts and frees their capacity. A child whose host does not answer stays to be
    /// removed later: it is neither removed nor failed in the outcome.
    /// </summary>
    public async Task<BatchOutcome> RemoveAsync(IReadOnlyList<PoolChild> children, CancellationToken ct)
    {
        var removed = new ConcurrentBag<string>();
        await Task.WhenAll(children.GroupBy(c => c.HostId).Select(async onHost =>
        {
            var gone = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(onHost, new ParallelOptions { MaxDegreeOfParallelism = settings.Pools.ForkConcurrency, CancellationToken = ct },
                async (child, token) =>
                {
                    try
                    {
                        await driver.PowerOffAsync(child.HostId, child.ChildId, token);
                        await driver.UnregisterVmAsync(child.HostId, child.ChildId, token);
                        await driver.DeleteDiskLayerAsync(child.HostId, child.DiskLayerId, token);
                        gone.Add(child.ChildId);
                    }
                    catch (HypervisorException)
                    {
                        // Left in place; the next reconcile tries again.
                    }
                });
            if (gone.IsEmpty) return;
            var reply = await hosts.Ask<object>(new HostProtocol.ReleaseMany(onHost.Key, [.. gone]), settings.Entities.AskTimeout, ct);
            if (reply is HostProtocol.HostApplied) foreach (var id in gone) removed.Add(id);
        }));
        return new BatchOutcome([], ImmutableDictionary<string, ImmutableArray<string>>.Empty, [.. removed]);
    }

    /// <summary>
    /// The second customization stage, as guest data the child reads from its own channel when it starts from the
    /// forked state: name, MAC, IP, domain join and licence activation, none of which needs a reboot.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Identity(PoolDefinition pool, PoolChild child)
    {
        yield return new("hostname", child.Name);
        yield return new("mac", child.Mac);
        yield return new("ip", child.Ip);
        yield return new("machine-id", child.MachineId.ToString());
        if (pool.Domain.Length > 0) yield return new("domain.join", pool.Domain);
        yield return new("licence.activate", "true");
    }

    private static BatchOutcome AllFailed(IReadOnlyList<PoolChild> children, string reason) =>
        new([], ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(reason, children.Select(c => c.ChildId).ToImmutableArray()), []);
}
