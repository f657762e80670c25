using System.Collections.Immutable;

namespace CloudController.Domain.Placement;

public enum PlacementStrategy
{
    /// <summary>Prefer the emptiest hosts: fewer VMs share a failure.</summary>
    Spread,
    /// <summary>Prefer the fullest hosts that still fit: keeps whole hosts free for large VMs.</summary>
    Pack,
}

/// <summary>What a VM needs from a host.</summary>
public sealed record PlacementRequest(
    Resources Amount,
    ImmutableArray<string> RequiredCpuFlags,
    ImmutableHashSet<string> ExcludedHosts,
    PlacementStrategy Strategy = PlacementStrategy.Spread)
{
    public static PlacementRequest For(Resources amount) =>
        new(amount, ImmutableArray<string>.Empty, ImmutableHashSet<string>.Empty);
}

/// <summary>Why one host was not a candidate: the filter that rejected it and its reason.</summary>
public sealed record HostRejection(string HostId, string Filter, string Reason);

/// <summary>
/// The outcome of placement: candidate hosts best first, and for every other host the filter that rejected it,
/// so that a failure can say why ("7 hosts: 4 lack 8192 MiB free memory, 2 draining, 1 lacks CPU flag avx2").
/// </summary>
public sealed record PlacementDecision(
    ImmutableArray<string> Candidates,
    ImmutableArray<HostRejection> Rejections,
    int HostsConsidered)
{
    public bool Found => Candidates.Length > 0;
}
