using System.Collections.Immutable;

namespace CloudController.Domain.Storage;

/// <summary>A VM's place in a pool: its datastore, its share, and what the policy weighs it by.</summary>
/// <param name="BaseImage">The image its disk is layered on: held once per datastore however many VMs share it.</param>
/// <param name="HostId">The host the VM runs on, where its use is measured.</param>
public sealed record Allocation(
    string VmId, string PoolId, string DatastoreId, long Gib, StorageMember Member, string? BaseImage = null, long BaseImageGib = 0, string HostId = "");

/// <summary>One change to one VM's allocation, for the listing of changes.</summary>
public sealed record AllocationChange(DateTimeOffset At, string VmId, string PoolId, string DatastoreId, long FromGib, long ToGib, string Why);

public sealed record StoragePoolDefined(StoragePool Pool) : IDomainEvent;

/// <param name="Reshared">The other VMs on the datastore, whose shares changed to make room.</param>
public sealed record StorageAllocated(Allocation Allocation, ImmutableDictionary<string, long> Reshared, DateTimeOffset At) : IDomainEvent;

/// <param name="Reshared">The VMs left on the datastore, sharing what it returned.</param>
public sealed record StorageReleased(string VmId, ImmutableDictionary<string, long> Reshared, DateTimeOffset At) : IDomainEvent;

/// <summary>New measurements of the VMs on a datastore, and the shares they lead to.</summary>
public sealed record StorageRebalanced(string DatastoreId, ImmutableArray<StorageMember> Members, ImmutableDictionary<string, long> Shares, DateTimeOffset At) : IDomainEvent;
