using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

public sealed record HostRegistered(HostInventory Inventory) : IDomainEvent;

/// <summary>The host was taken out of placement or put back; <paramref name="At"/> and <paramref name="By"/> (who asked, none
/// when access control is off) are null in events journaled before they were recorded.</summary>
public sealed record HostStateChanged(HostState State, string Reason, DateTimeOffset? At = null, string? By = null) : IDomainEvent;

/// <summary>Monitoring found the host unreachable (silent past the grace period, or reported so by its driver), or answering again.</summary>
public sealed record HostReachabilityChanged(bool Reachable, string Reason, DateTimeOffset At) : IDomainEvent;

/// <summary>Capacity held for a task until it commits it to a VM, releases it, or its lease runs out.</summary>
public sealed record CapacityReserved(string TaskId, Resources Amount, DateTimeOffset LeaseExpiresAt, string? Group = null) : IDomainEvent;

public sealed record ReservationLeaseRenewed(string TaskId, DateTimeOffset LeaseExpiresAt) : IDomainEvent;

public sealed record ReservationReleased(string TaskId, string Reason) : IDomainEvent;

/// <summary>A finished task turns its reservation into the allocation of the VM it made.</summary>
public sealed record ReservationCommitted(string TaskId, string VmId) : IDomainEvent;

public sealed record AllocationReleased(string VmId) : IDomainEvent;

/// <summary>Capacity given straight to VMs of a group, in one batch (children of a pool, a replica).</summary>
public sealed record CapacityAllocated(string Group, ImmutableArray<string> VmIds, Resources Each) : IDomainEvent;

public sealed record AllocationsReleased(ImmutableArray<string> VmIds) : IDomainEvent;

/// <summary>A VM the host ran that no record knew, past the grace period, was destroyed through the driver.</summary>
public sealed record UnknownVmDestroyed(string VmId, string Reason) : IDomainEvent;

/// <summary>
/// Reconciling found drift naming other VMs than the ones watched: those new to it are watched from <paramref name="At"/>,
/// the ones no longer drifting are dropped, the rest keep their time. Journaled so that a restart keeps the grace clock.
/// </summary>
public sealed record DriftObserved(ImmutableArray<string> UnknownVms, ImmutableArray<string> LostVms, DateTimeOffset At) : IDomainEvent;
