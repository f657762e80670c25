using System.Collections.Immutable;

namespace CloudController.Domain.Storage;

public enum DatastoreKind
{
    /// <summary>On one host: only VMs on that host can use it.</summary>
    Local,
    /// <summary>Reachable from every host.</summary>
    Shared,
}

public enum StorageMedia
{
    Ssd,
    Hdd,
}

public sealed record Datastore(string Id, DatastoreKind Kind, StorageMedia Media, long CapacityGib, string? HostId = null)
{
    public bool ReachableFrom(string hostId) => Kind == DatastoreKind.Shared || HostId == hostId;
}

/// <summary>How a pool shares a datastore among the VMs on it.</summary>
public enum AllocationPolicy
{
    /// <summary>The same share each.</summary>
    Equal,
    /// <summary>Shares in proportion to each VM's weight (its own, else its role's, else 1).</summary>
    Weighted,
    /// <summary>A fixed baseline each; the rest is held back.</summary>
    Baseline,
    /// <summary>Weighted by measured activity: VMs that write more (or are busier) grow, idle ones shrink.</summary>
    Dynamic,
}

/// <summary>
/// Storage shared out among a set of VMs (a pool of children, a network, a tenant): its datastores, how it shares
/// them, and how far it may over-commit (the shares on a datastore never add up to more than its capacity times the
/// ratio, nor is any VM ever given less than it already holds).
/// </summary>
public sealed record StoragePool(
    string Id,
    ImmutableArray<Datastore> Datastores,
    AllocationPolicy Policy,
    double OvercommitRatio = 1.0,
    long BaselineGib = 10,
    ImmutableDictionary<string, double>? RoleWeights = null)
{
    public ImmutableDictionary<string, double> RoleWeights { get; init; } = RoleWeights ?? ImmutableDictionary<string, double>.Empty;

    public long AllowedGib(Datastore datastore) => (long)Math.Floor(datastore.CapacityGib * OvercommitRatio);

    public bool Equals(StoragePool? other) =>
        other is not null && Id == other.Id && Datastores.SequenceEqual(other.Datastores) && Policy == other.Policy &&
        OvercommitRatio.Equals(other.OvercommitRatio) && BaselineGib == other.BaselineGib &&
        RoleWeights.OrderBy(r => r.Key).SequenceEqual(other.RoleWeights.OrderBy(r => r.Key));

    public override int GetHashCode() => HashCode.Combine(Id, Policy, Datastores.Length);
}
