using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>
/// What a host runs against what its ledger holds, as reconciling finds it: VMs on the host that no record of the
/// ledger knows (reported, never touched), and VMs the ledger holds that the host no longer has (lost).
/// </summary>
public sealed record HostDrift(ImmutableArray<string> UnknownVms, ImmutableArray<string> LostVms)
{
    public static readonly HostDrift None = new([], []);

    public bool IsEmpty => UnknownVms.IsEmpty && LostVms.IsEmpty;

    /// <param name="running">The VM ids the host's driver reports on the host.</param>
    public static HostDrift Between(HostLedger ledger, IReadOnlyCollection<string> running)
    {
        var onHost = running.ToHashSet(StringComparer.Ordinal);
        return new HostDrift(
            [.. onHost.Where(vm => !ledger.Allocations.ContainsKey(vm)).Order(StringComparer.Ordinal)],
            [.. ledger.Allocations.Keys.Where(vm => !onHost.Contains(vm)).Order(StringComparer.Ordinal)]);
    }

    public override string ToString() =>
        $"{(UnknownVms.IsEmpty ? "" : $"VMs no record knows: {string.Join(", ", UnknownVms)}; ")}{(LostVms.IsEmpty ? "" : $"recorded VMs gone from the host (lost): {string.Join(", ", LostVms)}")}".TrimEnd(';', ' ');
}
