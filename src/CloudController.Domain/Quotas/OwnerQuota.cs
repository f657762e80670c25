using System.Collections.Immutable;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Quotas;

/// <summary>
/// One owner's quota: limits on VMs, vCPUs, memory and disk, and the claims held against them, one per VM from the
/// request that made it until it is rolled back or deleted. Reservations are decided one at a time (the entity
/// serializes them), so two racing requests cannot both take the last unit. A refusal names the quota, what is in
/// use, what was asked and the limit.
/// </summary>
public sealed record OwnerQuota(string Owner, QuotaLimits Limits, ImmutableDictionary<string, QuotaClaim> Claims) : IDomainState
{
    public static OwnerQuota Empty(string owner) => new(owner, QuotaLimits.None, ImmutableDictionary<string, QuotaClaim>.Empty.WithComparers(StringComparer.Ordinal));

    public QuotaClaim Usage => Claims.Values.Aggregate(QuotaClaim.Zero, (sum, c) => sum.Plus(c));

    public OwnerQuota Apply(IDomainEvent e) => e switch
    {
        QuotaSet s => this with { Limits = s.Limits },
        QuotaReserved r => this with { Claims = Claims.SetItem(r.ClaimId, r.Claim) },
        QuotaReleased r => this with { Claims = Claims.Remove(r.ClaimId) },
        _ => this,
    };

    /// <summary>
    /// Holds <paramref name="claim"/> under <paramref name="claimId"/> if it fits every limit; the same claim again is
    /// already done. A different claim under a held id (a pool scaled) replaces it: only what it adds must fit.
    /// </summary>
    public Decision Reserve(string claimId, QuotaClaim claim)
    {
        if (Claims.TryGetValue(claimId, out var held) && held == claim) return Decision.AlreadyDone;
        var used = Claims.Remove(claimId).Values.Aggregate(QuotaClaim.Zero, (sum, c) => sum.Plus(c));
        return Exceeded("vms", used.Vms, claim.Vms, Limits.Vms, "")
               ?? Exceeded("vcpu", used.VCpus, claim.VCpus, Limits.VCpus, " vCPUs")
               ?? Exceeded("memory", used.MemoryMib, claim.MemoryMib, Limits.MemoryMib, " MiB")
               ?? Exceeded("disk", used.DiskGib, claim.DiskGib, Limits.DiskGib, " GiB")
               ?? Decision.Persist(new QuotaReserved(claimId, claim));
    }

    /// <summary>Gives back what <paramref name="claimId"/> held; one not held is already given back.</summary>
    public Decision Release(string claimId) => Claims.ContainsKey(claimId) ? Decision.Persist(new QuotaReleased(claimId)) : Decision.AlreadyDone;

    /// <summary>New limits; below what is in use they refuse new claims and take nothing away.</summary>
    public Decision Set(QuotaLimits limits) =>
        Problems(limits) is { Count: > 0 } problems ? Decision.Refuse(problems[0].ToString())
        : limits == Limits ? Decision.AlreadyDone
        : Decision.Persist(new QuotaSet(limits));

    /// <summary>What is wrong with the limits: a negative one, named by the field.</summary>
    public static IReadOnlyList<FieldError> Problems(QuotaLimits limits) =>
        new[] { Negative("vms", limits.Vms), Negative("vcpu", limits.VCpus), Negative("memory", limits.MemoryMib), Negative("disk", limits.DiskGib) }
            .OfType<FieldError>().ToList();

    private Decision? Exceeded(string quota, long used, long requested, long? limit, string unit) =>
        limit is { } max && used + requested > max
            ? Decision.Refuse($"quota {quota} of {Owner} exceeded: {used}{unit} in use + {requested}{unit} requested > limit {max}{unit}; " +
                              "free some (`ccm vm delete`), ask for less, or ask an administrator for more (`ccm quota set`)")
            : null;

    private static FieldError? Negative(string field, long? value) =>
        value is < 0 ? new FieldError(field, $"is {value}", "give 0 or more, or leave it out for no limit") : null;
}
