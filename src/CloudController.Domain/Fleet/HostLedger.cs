using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>A reservation held on a host for one task, for a VM of <paramref name="Group"/> when it has one.</summary>
public sealed record Reservation(string TaskId, Resources Amount, DateTimeOffset LeaseExpiresAt, string? Group = null);

/// <summary>
/// The authoritative bookkeeping of one host: who holds what. Every change is an event, so the ledger is
/// rebuilt exactly from its journal; decisions return the event to persist or the reason for refusing.
/// Commands are idempotent for the same task or VM, because a task that resumes after a crash repeats them.
/// </summary>
public sealed record HostLedger(
    HostInventory? Inventory,
    HostState State,
    ImmutableDictionary<string, Reservation> Reservations,
    ImmutableDictionary<string, Resources> Allocations,
    ImmutableDictionary<string, string>? AllocationGroups = null) : IDomainState
{
    public static readonly HostLedger Empty = new(
        null, HostState.Active,
        ImmutableDictionary<string, Reservation>.Empty,
        ImmutableDictionary<string, Resources>.Empty,
        ImmutableDictionary<string, string>.Empty);

    /// <summary>The VM groups with a VM or a reservation here, for affinity rules.</summary>
    public ImmutableHashSet<string> Groups =>
        Reservations.Values.Select(r => r.Group).OfType<string>()
            .Concat((AllocationGroups ?? ImmutableDictionary<string, string>.Empty).Values)
            .ToImmutableHashSet();

    public bool IsRegistered => Inventory is not null;

    /// <summary>vCPUs scheduled per physical core here (configuration, not history: never journaled).</summary>
    public double CpuAllocationRatio { get; init; } = 1;

    /// <summary>The drift being watched, since when each VM has drifted (journaled, so a restart keeps the grace clock).</summary>
    public DriftWatch Watch { get; init; } = DriftWatch.None;

    /// <summary>How many changes of state <see cref="StateHistory"/> keeps: enough to explain a host's recent past, bounded
    /// because the ledger is snapshotted whole.</summary>
    public const int StateHistoryKept = 50;

    /// <summary>The last <see cref="StateHistoryKept"/> changes of state and reachability, oldest first.</summary>
    public ImmutableList<HostStateChange> StateHistory { get; init; } = ImmutableList<HostStateChange>.Empty;

    /// <summary>Whether monitoring last recorded the host unreachable (until it records it answering again).</summary>
    public bool RecordedUnreachable { get; init; }

    /// <summary>The host's hardware as its driver found it.</summary>
    public Resources PhysicalCapacity => Inventory?.Capacity ?? Resources.Zero;

    /// <summary>What may be handed out: the physical capacity with its cores multiplied by the allocation ratio.</summary>
    public Resources Capacity => PhysicalCapacity with
    {
        CpuCores = CpuAllocationRatios.Schedulable(PhysicalCapacity.CpuCores, CpuAllocationRatio),
    };

    public Resources Reserved => Resources.Sum(Reservations.Values.Select(r => r.Amount));

    public Resources Allocated => Resources.Sum(Allocations.Values);

    public Resources Free => Capacity - Reserved - Allocated;

    public HostLedger Apply(IDomainEvent e) => e switch
    {
        HostRegistered r => this with { Inventory = r.Inventory },
        HostStateChanged s => this with
        {
            State = s.State,
            StateHistory = Remember(new HostStateChange(s.At, s.State.ToString().ToLowerInvariant(), s.Reason, s.By)),
        },
        HostReachabilityChanged r => this with
        {
            RecordedUnreachable = !r.Reachable,
            StateHistory = Remember(new HostStateChange(r.At, r.Reachable ? HostStateChange.Returned : HostStateChange.Unreachable, r.Reason, null)),
        },
        CapacityReserved c => this with
        {
            Reservations = Reservations.SetItem(c.TaskId, new Reservation(c.TaskId, c.Amount, c.LeaseExpiresAt, c.Group)),
        },
        ReservationLeaseRenewed l when Reservations.TryGetValue(l.TaskId, out var held) => this with
        {
            Reservations = Reservations.SetItem(l.TaskId, held with { LeaseExpiresAt = l.LeaseExpiresAt }),
        },
        ReservationReleased r => this with { Reservations = Reservations.Remove(r.TaskId) },
        ReservationCommitted c when Reservations.TryGetValue(c.TaskId, out var held) => this with
        {
            Reservations = Reservations.Remove(c.TaskId),
            Allocations = Allocations.SetItem(c.VmId, held.Amount),
            AllocationGroups = held.Group is { } group
                ? (AllocationGroups ?? ImmutableDictionary<string, string>.Empty).SetItem(c.VmId, group)
                : AllocationGroups,
        },
        CapacityAllocated a => this with
        {
            Allocations = Allocations.SetItems(a.VmIds.Select(id => KeyValuePair.Create(id, a.Each))),
            AllocationGroups = (AllocationGroups ?? ImmutableDictionary<string, string>.Empty).SetItems(a.VmIds.Select(id => KeyValuePair.Create(id, a.Group))),
        },
        AllocationsReleased r => this with
        {
            Allocations = Allocations.RemoveRange(r.VmIds),
            AllocationGroups = AllocationGroups?.RemoveRange(r.VmIds),
        },
        AllocationReleased a => this with
        {
            Allocations = Allocations.Remove(a.VmId),
            AllocationGroups = AllocationGroups?.Remove(a.VmId),
        },
        DriftObserved d => this with { Watch = Watch.Observe(new HostDrift(d.UnknownVms, d.LostVms), d.At) },
        _ => this,
    };

    /// <summary>Decides a reservation: the event to persist, nothing when the task already holds it, or a refusal.</summary>
    /// <param name="antiAffinity">Refuse when the host already runs <paramref name="group"/>: the fleet view placement
    /// decided on may be stale, the ledger is not.</param>
    public Decision Reserve(string taskId, Resources amount, DateTimeOffset leaseExpiresAt, string? group = null, bool antiAffinity = false)
    {
        if (Inventory is null) return Decision.Refuse("the host is not registered");
        if (Reservations.TryGetValue(taskId, out var held))
        {
            return held.Amount == amount
                ? Decision.AlreadyDone
                : Decision.Refuse($"task {taskId} already holds {held.Amount} on this host");
        }
        if (State != HostState.Active) return Decision.Refuse($"the host is {State.ToString().ToLowerInvariant()}");
        if (!amount.FitsWithin(Free)) return Decision.Refuse($"needs {amount}, only {Free} free");
        if (antiAffinity && group is not null && Groups.Contains(group)) return Decision.Refuse($"already runs a VM of group {group}");
        return Decision.Persist(new CapacityReserved(taskId, amount, leaseExpiresAt, group));
    }

    public Decision Release(string taskId, string reason) =>
        Reservations.ContainsKey(taskId)
            ? Decision.Persist(new ReservationReleased(taskId, reason))
            : Decision.AlreadyDone;

    public Decision Commit(string taskId, string vmId)
    {
        if (Reservations.ContainsKey(taskId)) return Decision.Persist(new ReservationCommitted(taskId, vmId));
        return Allocations.ContainsKey(vmId)
            ? Decision.AlreadyDone
            : Decision.Refuse($"task {taskId} holds no reservation on this host");
    }

    public Decision ReleaseAllocation(string vmId) =>
        Allocations.ContainsKey(vmId)
            ? Decision.Persist(new AllocationReleased(vmId))
            : Decision.AlreadyDone;

    /// <summary>
    /// Allocates capacity straight to VMs, all or none, for an owner that journals its intent first and so finishes
    /// or undoes it itself after a crash (a pool forking children, a replica map making a replica): no lease needed.
    /// VMs that already hold their allocation are skipped, so a repeated batch is a no-op.
    /// </summary>
    public Decision AllocateMany(string group, IReadOnlyCollection<string> vmIds, Resources each)
    {
        if (Inventory is null) return Decision.Refuse("the host is not registered");
        var fresh = vmIds.Where(id => !Allocations.ContainsKey(id)).ToImmutableArray();
        if (fresh.IsEmpty) return Decision.AlreadyDone;
        if (State != HostState.Active) return Decision.Refuse($"the host is {State.ToString().ToLowerInvariant()}");
        var total = new Resources(each.CpuCores * fresh.Length, each.MemoryMib * fresh.Length, each.DiskGib * fresh.Length);
        if (!total.FitsWithin(Free)) return Decision.Refuse($"{fresh.Length} x {each} does not fit: only {Free} free");
        return Decision.Persist(new CapacityAllocated(group, fresh, each));
    }

    public Decision ReleaseMany(IReadOnlyCollection<string> vmIds)
    {
        var held = vmIds.Where(Allocations.ContainsKey).ToImmutableArray();
        return held.IsEmpty ? Decision.AlreadyDone : Decision.Persist(new AllocationsReleased(held));
    }

    /// <summary>
    /// The drift reconciling found now: journaled only when it names other VMs than the watch holds (one starting to
    /// drift, one settling), so that a steady drift costs nothing and each VM keeps the time it was first seen.
    /// </summary>
    public Decision ObserveDrift(HostDrift drift, DateTimeOffset now) =>
        Watch.Watches(drift) ? Decision.AlreadyDone : Decision.Persist(new DriftObserved(drift.UnknownVms, drift.LostVms, now));

    /// <summary>Takes a host out of placement (draining, maintenance) or back in; its VMs and reservations stay.</summary>
    /// <param name="by">Who asked; null when access control is off.</param>
    public Decision SetState(HostState state, string reason, string? by, DateTimeOffset at)
    {
        if (Inventory is null) return Decision.Refuse("the host is not registered");
        if (state == HostState.Offline) return Decision.Refuse("offline is what monitoring sees, not a state to set");
        return state == State ? Decision.AlreadyDone : Decision.Persist(new HostStateChanged(state, reason, at, by));
    }

    /// <summary>
    /// What monitoring sees now: journaled only when it differs from what was last recorded, so that the history holds
    /// each time the host went unreachable and came back, and a restart still knows it was unreachable.
    /// </summary>
    public Decision ObserveReachability(bool reachable, string reason, DateTimeOffset at) =>
        Inventory is null || reachable == !RecordedUnreachable
            ? Decision.AlreadyDone
            : Decision.Persist(new HostReachabilityChanged(reachable, reason, at));

    private ImmutableList<HostStateChange> Remember(HostStateChange change)
    {
        var history = StateHistory.Add(change);
        return history.Count > StateHistoryKept ? history.RemoveRange(0, history.Count - StateHistoryKept) : history;
    }

    /// <summary>An unknown VM destroyed after its grace: recorded for the operator; the ledger never held it.</summary>
    public Decision RecordUnknownVmDestroyed(string vmId, string reason) => Decision.Persist(new UnknownVmDestroyed(vmId, reason));

    public Decision RenewLease(string taskId, DateTimeOffset leaseExpiresAt) =>
        Reservations.ContainsKey(taskId)
            ? Decision.Persist(new ReservationLeaseRenewed(taskId, leaseExpiresAt))
            : Decision.Refuse($"task {taskId} holds no reservation on this host");

    /// <summary>Reservations whose lease ran out: their task stopped renewing them, so the capacity is reclaimed.</summary>
    public IEnumerable<Reservation> ExpiredAt(DateTimeOffset now) =>
        Reservations.Values.Where(r => r.LeaseExpiresAt <= now);

    public HostSnapshot ToSnapshot(double cpuLoad, DateTimeOffset observedAt, ImmutableHashSet<string>? cachedImages = null) => new(
        Inventory?.HostId ?? "",
        State,
        Inventory?.HardwareClass ?? "",
        Inventory?.CpuFlags ?? ImmutableArray<string>.Empty,
        Capacity, Reserved, Allocated,
        Allocations.Count, Reservations.Count, cpuLoad, observedAt, Groups, cachedImages, CpuAllocationRatio);
}
