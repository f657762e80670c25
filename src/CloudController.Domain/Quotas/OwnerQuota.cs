using System.Collections.Immutable;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Quotas;

/// <summary>
/// One owner's quota: limits on VMs, vCPUs, memory and disk, and the claims held against them, one per VM from the
/// request that made it until it is rolled back or deleted (a network's members are reserved together, all or none). Reservations are decided one at a time (the entity
/// serializes them), so two racing requests cannot both take the last unit. A refusal names the quota, what is in
/// use, what was asked and the limit.
/// </summary>
public sealed record OwnerQuota(string Owner, QuotaLimits Limits, ImmutableDictionary<string, QuotaClaim> Claims) : IDomainState
{
    public static OwnerQuota Empty(string owner) => new(owner, QuotaLimits.None, ImmutableDictionary<string, QuotaClaim>.Empty.WithComparers(StringComparer.Ordinal));

    public QuotaClaim Usage => QuotaClaim.Sum(Claims.Values);

    public OwnerQuota Apply(IDomainEvent e) => e switch
    {
        QuotaSet s => this with { Limits = s.Limits },
        QuotaReserved r => this with { Claims = Claims.SetItem(r.ClaimId, r.Claim) },
        QuotaClaimsReserved r => this with { Claims = Claims.SetItems(r.Claims) },
        QuotaReleased r => this with { Claims = Claims.Remove(r.ClaimId) },
        _ => this,
    };

    /// <summary>
    /// Holds <paramref name="claim"/> under <paramref name="claimId"/> if it fits every limit; the same claim again is
    /// already done. A different claim under a held id (a pool scaled) replaces it: only what it adds must fit.
    /// </summary>
    public Decision Reserve(string claimId, QuotaClaim claim) =>
        Claims.TryGetValue(claimId, out var held) && held == claim ? Decision.AlreadyDone
        : Overflow([claimId], claim) ?? Decision.Persist(new QuotaReserved(claimId, claim));

    /// <summary>
    /// Holds several claims as one (a network's members, each under its VM's id so that the VM's own rollback or
    /// deletion gives it back): their sum must fit every limit, else none is held and the refusal names the sum.
    /// All of them held already is already done.
    /// </summary>
    public Decision ReserveAll(ImmutableDictionary<string, QuotaClaim> claims) =>
        claims.All(c => Claims.TryGetValue(c.Key, out var held) && held == c.Value) ? Decision.AlreadyDone
        : Overflow(claims.Keys, QuotaClaim.Sum(claims.Values)) ?? Decision.Persist(new QuotaClaimsReserved(claims));

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

    /// <summary>The refusal of <paramref name="requested"/> on top of every claim but those it replaces, or null when it fits.</summary>
    private Decision? Overflow(IEnumerable<string> replaced, QuotaClaim requested)
    {
        var used = QuotaClaim.Sum(Claims.RemoveRange(replaced).Values);
        return Exceeded("vms", used.Vms, requested.Vms, Limits.Vms, "")
               ?? Exceeded("vcpu", used.VCpus, requested.VCpus, Limits.VCpus, " vCPUs")
               ?? Exceeded("memory", used.MemoryMib, requested.MemoryMib, Limits.MemoryMib, " MiB")
               ?? Exceeded("disk", used.DiskGib, requested.DiskGib, Limits.DiskGib, " GiB");
    }

    private Decision? Exceeded(string quota, long used, long requested, long? limit, string unit) =>
        limit is { } max && used + requested > max
            ? Decision.Refuse($"quota {quota} of {Owner} exceeded: {used}{unit} in use + {requested}{unit} requested > limit {max}{unit}; " +
                              "free some (`ccm vm delete`), ask for less, or ask an administrator for more (`ccm quota set`)")
            : null;

    private static FieldError? Negative(string field, long? value) =>
        value is < 0 ? new FieldError(field, $"is {value}", "give 0 or more, or leave it out for no limit") : null;
}
