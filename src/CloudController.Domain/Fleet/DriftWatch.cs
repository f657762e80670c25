using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>What a host does with a VM no record knows once it has stayed unknown past the grace period.</summary>
public enum UnknownVmPolicy
{
    /// <summary>Powered off and unregistered through the driver, and the destruction recorded with its reason.</summary>
    Destroy,

    /// <summary>Left running and listed as unknown, for an operator to look at.</summary>
    Keep,
}

/// <summary>
/// Drift as it lasts: since when each VM has been unknown to the ledger, or recorded but gone from the host. Only drift
/// seen at two reconciliations spanning the grace period is acted on, so that a VM a task is creating, a migration is
/// landing or a pool is forking (on the host a moment before its record reaches the ledger, or the reverse) is left
/// alone. A VM that stops drifting is forgotten, and seen drifting again starts a new grace period.
/// </summary>
public sealed record DriftWatch(
    ImmutableSortedDictionary<string, DateTimeOffset> UnknownSince,
    ImmutableSortedDictionary<string, DateTimeOffset> LostSince)
{
    public static readonly DriftWatch None = new(
        ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal));

    /// <summary>Whether any drift is being watched, so that the host keeps reconciling until it has settled.</summary>
    public bool IsWatching => !UnknownSince.IsEmpty || !LostSince.IsEmpty;

    /// <summary>The drift found now: new entries start their grace now, settled ones are dropped, the rest keep theirs.</summary>
    public DriftWatch Observe(HostDrift drift, DateTimeOffset now) =>
        new(Since(UnknownSince, drift.UnknownVms, now), Since(LostSince, drift.LostVms, now));

    /// <summary>Whether the watch holds exactly the VMs of <paramref name="drift"/>, so that observing it changes nothing.</summary>
    public bool Watches(HostDrift drift) =>
        UnknownSince.Count == drift.UnknownVms.Length && drift.UnknownVms.All(UnknownSince.ContainsKey)
        && LostSince.Count == drift.LostVms.Length && drift.LostVms.All(LostSince.ContainsKey);

    /// <summary>Unknown VMs seen unknown for at least the grace period.</summary>
    public ImmutableArray<string> UnknownPast(TimeSpan grace, DateTimeOffset now) => Past(UnknownSince, grace, now);

    /// <summary>Recorded VMs seen gone from the host for at least the grace period.</summary>
    public ImmutableArray<string> LostPast(TimeSpan grace, DateTimeOffset now) => Past(LostSince, grace, now);

    /// <summary>
    /// Why an unknown VM past its grace is to be destroyed now, or null when it is not: the policy keeps unknown VMs,
    /// it is not being watched (anymore), the ledger has come to know it, or a VM record knows it (a task creating it,
    /// a migration landing it here): a record is enough to leave it alone, however long it takes.
    /// </summary>
    public string? DestructionReason(string vmId, UnknownVmPolicy policy, bool recordKnowsIt, HostLedger ledger, TimeSpan grace) =>
        policy == UnknownVmPolicy.Destroy && !recordKnowsIt && !ledger.Allocations.ContainsKey(vmId) && UnknownSince.TryGetValue(vmId, out var since)
            ? $"no record knows it: on the host since at least {since:u} unknown, past the grace of {grace}"
            : null;

    /// <summary>Why a recorded VM past its grace is lost, or null when it is not watched as gone (anymore).</summary>
    public string? LossReason(string vmId, string hostId, TimeSpan grace) => LostSince.TryGetValue(vmId, out var since)
        ? $"host {hostId} no longer has it: missing since at least {since:u}, past the grace of {grace}"
        : null;

    private static ImmutableSortedDictionary<string, DateTimeOffset> Since(
        ImmutableSortedDictionary<string, DateTimeOffset> watched, ImmutableArray<string> found, DateTimeOffset now) =>
        found.ToImmutableSortedDictionary(vm => vm, vm => watched.TryGetValue(vm, out var since) ? since : now, StringComparer.Ordinal);

    private static ImmutableArray<string> Past(ImmutableSortedDictionary<string, DateTimeOffset> watched, TimeSpan grace, DateTimeOffset now) =>
        [.. watched.Where(w => now - w.Value >= grace).Select(w => w.Key)];
}
