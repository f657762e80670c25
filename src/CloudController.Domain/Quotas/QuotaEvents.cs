using System.Collections.Immutable;

namespace CloudController.Domain.Quotas;

/// <summary>An owner's limits; null is no limit.</summary>
public sealed record QuotaLimits(int? Vms, int? VCpus, long? MemoryMib, long? DiskGib)
{
    public static readonly QuotaLimits None = new(null, null, null, null);
}

/// <summary>What one VM holds against its owner's quota, from the request that made it until it is gone.</summary>
public sealed record QuotaClaim(int Vms, int VCpus, long MemoryMib, long DiskGib)
{
    public static readonly QuotaClaim Zero = new(0, 0, 0, 0);

    public static QuotaClaim ForVm(Resources hardware) => new(1, hardware.CpuCores, hardware.MemoryMib, hardware.DiskGib);

    /// <summary>A pool's children, each counted as a VM with the cost of one child.</summary>
    public static QuotaClaim ForPoolChildren(Resources childCost, int children) =>
        new(children, children * childCost.CpuCores, children * childCost.MemoryMib, children * childCost.DiskGib);

    public static QuotaClaim Sum(IEnumerable<QuotaClaim> claims) => claims.Aggregate(Zero, (sum, c) => sum.Plus(c));

    public QuotaClaim Plus(QuotaClaim other) => new(Vms + other.Vms, VCpus + other.VCpus, MemoryMib + other.MemoryMib, DiskGib + other.DiskGib);
}

public sealed record QuotaSet(QuotaLimits Limits) : IDomainEvent;

public sealed record QuotaReserved(string ClaimId, QuotaClaim Claim) : IDomainEvent;

/// <summary>Several claims held as one decision (a network's members, by VM id).</summary>
public sealed record QuotaClaimsReserved(ImmutableDictionary<string, QuotaClaim> Claims) : IDomainEvent;

public sealed record QuotaReleased(string ClaimId) : IDomainEvent;
