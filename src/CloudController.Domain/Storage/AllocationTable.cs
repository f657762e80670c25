using System.Collections.Immutable;

namespace CloudController.Domain.Storage;

/// <summary>
/// The allocation table: the storage pools, and for each VM which datastore of which pool it is on and how much it
/// may use. Shares are kept per datastore under the pool's policy; base images count once per datastore (they are
/// taken off what the datastore shares out). Every change is an event, and the recent changes are kept for listing.
/// </summary>
public sealed record AllocationTable(
    ImmutableDictionary<string, StoragePool> Pools,
    ImmutableDictionary<string, Allocation> Allocations,
    ImmutableList<AllocationChange> Changes) : IDomainState
{
    public const int ChangesKept = 1000;

    public static readonly AllocationTable Empty = new(
        ImmutableDictionary<string, StoragePool>.Empty, ImmutableDictionary<string, Allocation>.Empty, ImmutableList<AllocationChange>.Empty);

    public IEnumerable<Allocation> On(string datastoreId) => Allocations.Values.Where(a => a.DatastoreId == datastoreId);

    /// <summary>Base images on a datastore, each once, with their size.</summary>
    public IReadOnlyDictionary<string, long> BaseImagesOn(string datastoreId) =>
        On(datastoreId).Where(a => a.BaseImage is not null).GroupBy(a => a.BaseImage!).ToDictionary(g => g.Key, g => g.Max(a => a.BaseImageGib));

    public AllocationTable Apply(IDomainEvent e) => e switch
    {
        StoragePoolDefined d => this with { Pools = Pools.SetItem(d.Pool.Id, d.Pool) },
        StorageAllocated a => (this with
        {
            Allocations = Allocations.SetItem(a.Allocation.VmId, a.Allocation),
            Changes = Keep(Changes.Add(new AllocationChange(a.At, a.Allocation.VmId, a.Allocation.PoolId, a.Allocation.DatastoreId, 0, a.Allocation.Gib, "allocated"))),
        }).Reshare(a.Reshared, a.At, "re-shared to make room for " + a.Allocation.VmId),
        StorageReleased r when Allocations.TryGetValue(r.VmId, out var gone) => (this with
        {
            Allocations = Allocations.Remove(r.VmId),
            Changes = Keep(Changes.Add(new AllocationChange(r.At, r.VmId, gone.PoolId, gone.DatastoreId, gone.Gib, 0, "released"))),
        }).Reshare(r.Reshared, r.At, $"re-shared what {r.VmId} returned"),
        StorageRebalanced b => (this with
        {
            Allocations = Allocations.SetItems(b.Members.Where(m => Allocations.ContainsKey(m.VmId))
                .Select(m => KeyValuePair.Create(m.VmId, Allocations[m.VmId] with { Member = m }))),
        }).Reshare(b.Shares, b.At, "rebalanced by measured use"),
        _ => this,
    };

    public Decision DefinePool(StoragePool pool)
    {
        if (Pools.TryGetValue(pool.Id, out var existing))
        {
            if (existing.Equals(pool)) return Decision.AlreadyDone;
            var dropped = existing.Datastores.Select(d => d.Id).Except(pool.Datastores.Select(d => d.Id)).Where(d => On(d).Any()).ToList();
            if (dropped.Count > 0) return Decision.Refuse($"datastores {string.Join(", ", dropped)} still hold allocations; release them first");
        }
        return Decision.Persist(new StoragePoolDefined(pool));
    }

    /// <summary>
    /// Gives a VM a place in a pool, on the datastore reachable from its host where its share comes out largest, and
    /// re-shares that datastore. Refused when no reachable datastore can give it at least what it needs.
    /// </summary>
    public Decision Allocate(string poolId, string hostId, StorageMember member, string? baseImage, long baseImageGib, DateTimeOffset at)
    {
        if (Allocations.TryGetValue(member.VmId, out var held))
            return held.PoolId == poolId ? Decision.AlreadyDone : Decision.Refuse($"VM {member.VmId} already draws on pool {held.PoolId}");
        if (!Pools.TryGetValue(poolId, out var pool)) return Decision.Refuse($"there is no storage pool '{poolId}'");
        var best = Candidates(pool, hostId, member, baseImage, baseImageGib).OrderByDescending(c => c.Shares[member.VmId]).ThenBy(c => c.Datastore.Id, StringComparer.Ordinal).FirstOrDefault();
        if (best.Datastore is null) return Decision.Refuse(WhyNot(pool, hostId, member));
        var others = best.Shares.Remove(member.VmId).Where(s => Allocations[s.Key].Gib != s.Value).ToImmutableDictionary();
        return Decision.Persist(new StorageAllocated(
            new Allocation(member.VmId, poolId, best.Datastore.Id, best.Shares[member.VmId], member, baseImage, baseImageGib, hostId), others, at));
    }

    /// <summary>Whether a VM needing <paramref name="member"/>'s used GiB could be placed on this host: placement asks.</summary>
    public string? CannotHost(string poolId, string hostId, StorageMember member, string? baseImage, long baseImageGib) =>
        !Pools.TryGetValue(poolId, out var pool)
            ? $"there is no storage pool '{poolId}'"
            : Candidates(pool, hostId, member, baseImage, baseImageGib).Any() ? null : WhyNot(pool, hostId, member);

    public Decision Release(string vmId, DateTimeOffset at)
    {
        if (!Allocations.TryGetValue(vmId, out var gone)) return Decision.AlreadyDone;
        var pool = Pools[gone.PoolId];
        var datastore = pool.Datastores.First(d => d.Id == gone.DatastoreId);
        var rest = On(datastore.Id).Where(a => a.VmId != vmId).ToList();
        var (shares, _) = ShareCalculator.Compute(pool, Shrunk(datastore, rest), rest.Select(a => a.Member).ToList());
        // Leaving can only free room, so the rest always fits; if rounding says otherwise, keep their shares.
        var reshared = (shares ?? rest.ToImmutableDictionary(a => a.VmId, a => a.Gib)).Where(s => Allocations[s.Key].Gib != s.Value).ToImmutableDictionary();
        return Decision.Persist(new StorageReleased(vmId, reshared, at));
    }

    /// <summary>
    /// Re-shares every datastore of a pool from a measurement of its VMs' used disk. Activity is what a VM wrote since
    /// the last measurement (<paramref name="lastUsedGib"/>), relative to the busiest VM on its datastore; a VM not
    /// measured (its host did not answer) keeps its share. Each datastore decides on its own: one that cannot be
    /// re-shared is named in the problems and the others still change.
    /// </summary>
    public (ImmutableArray<IDomainEvent> Events, ImmutableArray<string> Problems) RebalancePool(
        string poolId, IReadOnlyDictionary<string, long> usedGib, IReadOnlyDictionary<string, long> lastUsedGib, DateTimeOffset at)
    {
        var events = ImmutableArray.CreateBuilder<IDomainEvent>();
        var problems = ImmutableArray.CreateBuilder<string>();
        var table = this;
        foreach (var datastore in Allocations.Values.Where(a => a.PoolId == poolId).GroupBy(a => a.DatastoreId))
        {
            var growth = datastore.ToDictionary(a => a.VmId, a =>
                usedGib.TryGetValue(a.VmId, out var used) ? Math.Max(0, used - lastUsedGib.GetValueOrDefault(a.VmId, used)) : 0);
            var busiest = Math.Max(1, growth.Values.DefaultIfEmpty(0).Max());
            var observed = datastore.Where(a => usedGib.ContainsKey(a.VmId))
                .ToDictionary(a => a.VmId, a => (Math.Max(a.Member.UsedGib, usedGib[a.VmId]), (double)growth[a.VmId] / busiest));
            var decision = table.Rebalance(datastore.Key, observed, at);
            if (decision.Refusal is { } reason) problems.Add(reason);
            if (decision.Event is { } e)
            {
                events.Add(e);
                table = table.Apply(e);
            }
        }
        return (events.ToImmutable(), problems.ToImmutable());
    }

    /// <summary>Re-shares a datastore with new measurements (used GiB, activity) of its VMs.</summary>
    public Decision Rebalance(string datastoreId, IReadOnlyDictionary<string, (long UsedGib, double Activity)> observed, DateTimeOffset at)
    {
        var here = On(datastoreId).ToList();
        if (here.Count == 0) return Decision.AlreadyDone;
        var pool = Pools[here[0].PoolId];
        var datastore = pool.Datastores.First(d => d.Id == datastoreId);
        var members = here.Select(a => observed.TryGetValue(a.VmId, out var o) ? a.Member with { UsedGib = o.UsedGib, Activity = o.Activity } : a.Member).ToImmutableArray();
        var (shares, problem) = ShareCalculator.Compute(pool, Shrunk(datastore, here), members);
        if (problem is not null) return Decision.Refuse(problem);
        var changed = shares!.Where(s => Allocations[s.Key].Gib != s.Value).ToImmutableDictionary();
        var moved = members.Where(m => Allocations[m.VmId].Member != m).ToImmutableArray();
        return changed.IsEmpty && moved.IsEmpty ? Decision.AlreadyDone : Decision.Persist(new StorageRebalanced(datastoreId, moved, changed, at));
    }

    private IEnumerable<(Datastore Datastore, ImmutableDictionary<string, long> Shares)> Candidates(
        StoragePool pool, string hostId, StorageMember member, string? baseImage, long baseImageGib)
    {
        foreach (var datastore in pool.Datastores.Where(d => d.ReachableFrom(hostId)))
        {
            var here = On(datastore.Id).ToList();
            var images = BaseImagesOn(datastore.Id);
            // The base image is new here only if no VM on this datastore already has it: shared layers count once.
            var extraImage = baseImage is not null && !images.ContainsKey(baseImage) ? baseImageGib : 0;
            var shrunk = datastore with { CapacityGib = datastore.CapacityGib - (long)Math.Ceiling((images.Values.Sum() + extraImage) / pool.OvercommitRatio) };
            if (shrunk.CapacityGib <= 0) continue;
            var (shares, problem) = ShareCalculator.Compute(pool, shrunk, [.. here.Select(a => a.Member), member]);
            if (problem is null && shares![member.VmId] >= member.UsedGib && member.UsedGib > 0) yield return (datastore, shares);
        }
    }

    /// <summary>The datastore as its VMs can share it: less the base images on it.</summary>
    private Datastore Shrunk(Datastore datastore, IReadOnlyCollection<Allocation> remaining)
    {
        var images = remaining.Where(a => a.BaseImage is not null).GroupBy(a => a.BaseImage!).Sum(g => g.Max(a => a.BaseImageGib));
        var pool = Pools.Values.First(p => p.Datastores.Any(d => d.Id == datastore.Id));
        return datastore with { CapacityGib = Math.Max(0, datastore.CapacityGib - (long)Math.Ceiling(images / pool.OvercommitRatio)) };
    }

    private string WhyNot(StoragePool pool, string hostId, StorageMember member)
    {
        var reachable = pool.Datastores.Where(d => d.ReachableFrom(hostId)).ToList();
        return reachable.Count == 0
            ? $"no datastore of pool {pool.Id} is reachable from host {hostId}"
            : $"no datastore of pool {pool.Id} reachable from {hostId} can give {member.VmId} the {member.UsedGib} GiB it needs " +
              $"({string.Join(", ", reachable.Select(d => $"{d.Id}: {On(d.Id).Count()} VMs on {pool.AllowedGib(d)} GiB"))})";
    }

    private AllocationTable Reshare(IReadOnlyDictionary<string, long> shares, DateTimeOffset at, string why)
    {
        var allocations = Allocations.ToBuilder();
        var changes = Changes;
        foreach (var (vm, gib) in shares)
        {
            if (!allocations.TryGetValue(vm, out var a) || a.Gib == gib) continue;
            changes = changes.Add(new AllocationChange(at, vm, a.PoolId, a.DatastoreId, a.Gib, gib, why));
            allocations[vm] = a with { Gib = gib };
        }
        return this with { Allocations = allocations.ToImmutable(), Changes = Keep(changes) };
    }

    private static ImmutableList<AllocationChange> Keep(ImmutableList<AllocationChange> changes) =>
        changes.Count > ChangesKept ? changes.RemoveRange(0, changes.Count - ChangesKept) : changes;
}
