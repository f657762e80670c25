using System.Collections.Immutable;
using CloudController.Domain.Access;

namespace CloudController.Domain.Audit;

/// <summary>Which entries a listing wants; every part optional. <paramref name="Call"/> matches "Vms/DeleteVm" or "DeleteVm".</summary>
public sealed record AuditFilter(string? User, string? Call, DateTimeOffset? Since);

/// <summary>
/// The audit trail: recorded calls, oldest first, kept for a retention and within a bound on their number (so the
/// state a snapshot holds stays bounded). Administrators (and everyone when access control is off) see every entry;
/// anyone else only the calls they made.
/// </summary>
public sealed record AuditTrail(ImmutableList<AuditEntry> Entries) : IDomainState
{
    public static readonly AuditTrail Empty = new(ImmutableList<AuditEntry>.Empty);

    public AuditTrail Apply(IDomainEvent e) => e switch
    {
        AuditRecorded r => this with { Entries = Entries.Add(r.Entry) },
        AuditPruned p => this with { Entries = Entries.RemoveRange(0, Math.Min(p.Count, Entries.Count)) },
        _ => this,
    };

    /// <summary>
    /// The oldest entries to forget: those recorded before <paramref name="cutoff"/>, and as many more as keep at most
    /// <paramref name="maxEntries"/>; null when there is nothing to forget. Entries are in the order they were
    /// recorded, so the old ones are a prefix.
    /// </summary>
    public AuditPruned? Prune(DateTimeOffset cutoff, int maxEntries)
    {
        var old = 0;
        while (old < Entries.Count && Entries[old].At < cutoff) old++;
        var count = Math.Max(old, Entries.Count - maxEntries);
        return count > 0 ? new AuditPruned(count) : null;
    }

    /// <summary>
    /// The entries <paramref name="viewer"/> may see that match <paramref name="filter"/>, oldest first: the newest
    /// <paramref name="limit"/> of them.
    /// </summary>
    public IReadOnlyList<AuditEntry> Visible(ApiUser? viewer, AuditFilter filter, int limit)
    {
        var matching = Entries.Where(e =>
            (Ownership.SeesEverything(viewer) || string.Equals(e.Caller, viewer!.Name, StringComparison.Ordinal)) &&
            (string.IsNullOrEmpty(filter.User) || string.Equals(e.Caller, filter.User, StringComparison.Ordinal)) &&
            (string.IsNullOrEmpty(filter.Call) || CallMatches(e.Call, filter.Call)) &&
            (filter.Since is not { } since || e.At >= since)).ToList();
        return matching.Count <= limit ? matching : matching[^limit..];
    }

    private static bool CallMatches(string call, string wanted) =>
        string.Equals(call, wanted, StringComparison.OrdinalIgnoreCase) ||
        (!wanted.Contains('/') && call.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase));
}
