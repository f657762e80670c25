using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using CloudController.Domain.Fleet;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Networking;

namespace CloudController.Domain.Pools;

/// <summary>The events of one reconcile step, and why the pool cannot reach its count now, if it cannot.</summary>
public sealed record ReconcileStep(ImmutableArray<IDomainEvent> Events, string? Shortfall)
{
    public bool IsEmpty => Events.IsEmpty;
}

/// <summary>
/// Decides what a pool does next from its state and the fleet as last seen: children on hosts that stopped answering
/// are lost (and replaced); lost children on hosts that are back are removed; a surplus is removed in the pool's
/// order; a deficit is filled with new children, each with its own name, MAC, IP and machine id, spread over hosts
/// with room. Runs between batches, when no child is mid-fork.
/// </summary>
public static class PoolReconciler
{
    public static ReconcileStep Plan(
        ChildPool pool,
        ForkTemplate template,
        IReadOnlyList<HostSnapshot> hosts,
        IReadOnlySet<string> hostsWithReplica,
        Resources childCost,
        int batchSize,
        DateTimeOffset now)
    {
        var definition = pool.Definition ?? throw new InvalidOperationException("an undefined pool has nothing to reconcile");
        var events = ImmutableArray.CreateBuilder<IDomainEvent>();
        var byId = hosts.ToDictionary(h => h.HostId, StringComparer.Ordinal);
        bool Answers(string hostId) => byId.TryGetValue(hostId, out var h) && h.State != HostState.Offline;
        // Lost means seen not answering. A host the view has not heard from yet (as after a restart, before the first
        // reports) is unknown: its children are neither lost nor counted as live until it reports.
        bool Silent(string hostId) => byId.TryGetValue(hostId, out var h) && h.State == HostState.Offline;

        var lost = pool.InState(ChildState.Ready).Where(c => Silent(c.HostId)).Select(c => c.ChildId).ToImmutableArray();
        if (!lost.IsEmpty) events.Add(new ChildrenLost(lost, "the host stopped answering"));
        var back = pool.InState(ChildState.Lost).Where(c => Answers(c.HostId)).Select(c => c.ChildId).ToImmutableArray();
        if (!back.IsEmpty) events.Add(new ChildrenRemoving(back, "replaced while its host did not answer"));

        var unheard = pool.InState(ChildState.Ready).Select(c => c.HostId).Where(h => !byId.ContainsKey(h)).Distinct().Count();
        if (unheard > 0)
            return new ReconcileStep(events.ToImmutable(), $"waiting for {unheard} host(s) with children to report before counting them");

        bool InService(string hostId) => byId.TryGetValue(hostId, out var h) && h.State == HostState.Active;
        var live = pool.InState(ChildState.Ready).Where(c => Answers(c.HostId)).ToList();
        // Children on a draining host are replaced first and leave once their replacements run: make before break.
        var serving = live.Where(c => InService(c.HostId)).ToList();
        var leaving = live.Where(c => !InService(c.HostId)).ToList();
        if (leaving.Count > 0 && serving.Count >= pool.Desired)
        {
            var drained = leaving.Take(batchSize).Select(c => c.ChildId).ToImmutableArray();
            events.Add(new ChildrenRemoving(drained, "its host is being drained"));
            return new ReconcileStep(events.ToImmutable(), null);
        }
        var surplus = serving.Count - pool.Desired;
        if (surplus > 0)
        {
            var order = definition.SurplusOrder == SurplusOrder.Newest
                ? serving.OrderByDescending(c => c.Number)
                : serving.OrderBy(c => c.Number);
            var removing = order.Take(Math.Min(surplus, batchSize)).Select(c => c.ChildId).ToImmutableArray();
            events.Add(new ChildrenRemoving(removing, pool.Deleting ? "the pool is being deleted" : $"scaled down to {pool.Desired}"));
            return new ReconcileStep(events.ToImmutable(), null);
        }

        var missing = Math.Min(-surplus, batchSize);
        if (missing <= 0) return new ReconcileStep(events.ToImmutable(), null);

        var candidates = hosts.Where(h => h.State == HostState.Active &&
                                          (definition.TargetHosts.IsEmpty || definition.TargetHosts.Contains(h.HostId)));
        var placed = ChildPlacement.Spread(missing, candidates, hostsWithReplica, childCost, template.ReplicaCost);
        var (range, _) = Ipv4Range.Parse(definition.IpRange);
        var addresses = FreeAddresses(range!, pool).Take(placed.Count).ToList();
        var planned = ImmutableArray.CreateBuilder<PoolChild>(addresses.Count);
        var pattern = NamePattern.Parse(definition.NamePattern).Pattern!;
        for (var i = 0; i < addresses.Count; i++)
        {
            var number = pool.NextNumber + i;
            var name = pattern.NameFor(number);
            var childId = $"{definition.Name}-{number}";
            planned.Add(new PoolChild(childId, number, name, MacAddress.For(definition.Name, number), Ipv4Range.Format(addresses[i]),
                MachineId(definition.Name, number), placed[i], ChildState.Forking, now, definition.PowerOnAhead));
        }
        if (planned.Count > 0) events.Add(new ChildrenPlanned(planned.MoveToImmutable()));

        string? shortfall = null;
        if (addresses.Count < placed.Count) shortfall = $"the address range {definition.IpRange} has no free address left";
        else if (placed.Count < missing)
        {
            shortfall = $"no host has room for more children: each needs {childCost}, and a host without a replica also {template.ReplicaCost}";
        }
        return new ReconcileStep(events.ToImmutable(), shortfall);
    }

    /// <summary>The range's addresses no child of the pool holds (lost and removing ones still hold theirs), lowest first.</summary>
    private static IEnumerable<uint> FreeAddresses(Ipv4Range range, ChildPool pool)
    {
        var used = pool.Children.Values.Select(c => Ipv4Range.Address(c.Ip)).OfType<uint>().ToHashSet();
        for (var address = range.First; ; address++)
        {
            if (!used.Contains(address)) yield return address;
            if (address == range.Last) yield break;
        }
    }

    /// <summary>Derived, not random: a step repeated after a crash must give the child the same identity.</summary>
    private static Guid MachineId(string pool, long number)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"machine\n{pool}\n{number}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style name-based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }
}
