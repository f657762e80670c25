using System.Collections.Immutable;

namespace CloudController.Domain.Vms;

/// <summary>
/// A VM's provisioning data: key/value tuples (host name, address, users, SSH keys, anything an app reads) at a
/// generation that grows with every change, so a guest applies changes in order and says which one it applied.
/// </summary>
public sealed record ProvisioningData(long Generation, ImmutableSortedDictionary<string, string> Values)
{
    public static readonly ProvisioningData Empty = new(0, ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>
    /// Keys whose values are secrets: never logged, never shown by default, never in another VM's reach, and sealed
    /// wherever they are stored. The one place that says which keys those are.
    /// </summary>
    public static bool IsSecret(string key) =>
        key.StartsWith("secret.", StringComparison.Ordinal) || key.EndsWith(".password", StringComparison.Ordinal) ||
        key.EndsWith(".private-key", StringComparison.Ordinal) || key is "activation.token" or "guest.token";

    public ProvisioningData With(IReadOnlyDictionary<string, string> set, IEnumerable<string> removed) =>
        new(Generation + 1, Values.SetItems(set).RemoveRange(removed));

    /// <summary>The values with secrets replaced, for display.</summary>
    public ImmutableSortedDictionary<string, string> Masked() =>
        Values.ToImmutableSortedDictionary(v => v.Key, v => IsSecret(v.Key) ? "********" : v.Value, StringComparer.Ordinal);

    public bool Equals(ProvisioningData? other) => other is not null && Generation == other.Generation && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Generation, Values.Count);

    /// <summary>Keys only.</summary>
    public override string ToString() => $"generation {Generation}: {string.Join(", ", Values.Keys)}";
}

/// <summary>A change to a VM's provisioning data: the tuples set and the keys removed, as one new generation; when, and
/// who asked (null when access control is off; both null in events journaled before they were recorded).</summary>
public sealed record VmDataChanged(
    long Generation, ImmutableSortedDictionary<string, string> Set, ImmutableArray<string> Removed, DateTimeOffset? At = null, string? By = null) : IDomainEvent
{
    public override string ToString() => $"generation {Generation}: set {string.Join(", ", Set.Keys)}; removed {string.Join(", ", Removed)}";
}

/// <summary>The guest applied a generation; the keys it could not apply, with why.</summary>
public sealed record VmDataApplied(long Generation, ImmutableSortedDictionary<string, string> Failed) : IDomainEvent;
