using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

/// <summary>Which children go first when a pool shrinks.</summary>
public enum SurplusOrder
{
    Newest,
    Oldest,
}

/// <summary>
/// A pool of children forked from one template: where they may run (no target hosts: any active host), how each is
/// named and addressed, how many are wanted, which go first when it shrinks, whether a child keeps its writes across
/// power-off, whether children run from the start or wait powered off to be started on demand, whose it is, and
/// whether an autoscaler may size it.
/// </summary>
public sealed record PoolDefinition(
    string Name,
    string Template,
    ImmutableArray<string> TargetHosts,
    string NamePattern,
    string IpRange,
    string Domain,
    int Desired,
    SurplusOrder SurplusOrder = SurplusOrder.Newest,
    bool Persistent = false,
    bool PowerOnAhead = true,
    string? Owner = null,
    PoolAutoscaling? Autoscaling = null)
{
    public ImmutableArray<string> TargetHosts { get; init; } = TargetHosts.IsDefault ? [] : TargetHosts;

    public bool Equals(PoolDefinition? other) =>
        other is not null && Name == other.Name && Template == other.Template && TargetHosts.SequenceEqual(other.TargetHosts) &&
        NamePattern == other.NamePattern && IpRange == other.IpRange && Domain == other.Domain && Desired == other.Desired &&
        SurplusOrder == other.SurplusOrder && Persistent == other.Persistent && PowerOnAhead == other.PowerOnAhead && Owner == other.Owner &&
        Equals(Autoscaling, other.Autoscaling);

    public override int GetHashCode() => HashCode.Combine(Name, Template, Desired);
}
