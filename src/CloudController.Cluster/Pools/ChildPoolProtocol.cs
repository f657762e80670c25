using CloudController.Cluster.Serialization;
using CloudController.Domain.Pools;

namespace CloudController.Cluster.Pools;

/// <summary>The messages of the <see cref="ChildPoolActor"/> entity, keyed by pool name.</summary>
public static class ChildPoolProtocol
{
    public interface IChildPoolCommand : IEntityCommand
    {
        string Pool { get; }

        string IEntityCommand.EntityId => Pool;
    }

    /// <summary>Creates the pool (validated by the caller). Repeating it with the same definition is a no-op.</summary>
    public sealed record CreatePool(PoolDefinition Definition) : IChildPoolCommand
    {
        public string Pool => Definition.Name;
    }

    public sealed record ScalePool(string Pool, int Desired) : IChildPoolCommand;

    /// <param name="WithChildren">List every child too; counts alone are what a watcher polls for.</param>
    public sealed record GetPool(string Pool, bool WithChildren = false) : IChildPoolCommand;

    /// <summary>Starts up to <paramref name="Count"/> children that wait powered off; answered with the pool.</summary>
    public sealed record StartChildren(string Pool, int Count) : IChildPoolCommand;

    /// <summary>Sets the pool's autoscaling bounds, or (null) turns autoscaling off.</summary>
    public sealed record SetAutoscaling(string Pool, PoolAutoscaling? Autoscaling) : IChildPoolCommand;

    /// <summary>An autoscaler raises the desired count by <paramref name="Delta"/>, within the pool's max.</summary>
    public sealed record GrowPool(string Pool, int Delta) : IChildPoolCommand;

    /// <summary>An autoscaler takes back <paramref name="Delta"/> (negative) requested children not yet forked.</summary>
    public sealed record ShrinkPoolTarget(string Pool, int Delta) : IChildPoolCommand;

    /// <summary>Removes the named children and lowers the desired count by as many.</summary>
    public sealed record RemoveChildren(string Pool, IReadOnlyList<string> ChildIds, string Reason) : IChildPoolCommand;

    /// <summary>Its host, reconciling, found these children gone: the ready ones are lost and replaced.</summary>
    public sealed record MarkChildrenLost(string Pool, string HostId, IReadOnlyList<string> ChildIds, string Reason) : IChildPoolCommand;

    /// <summary>Removes every child, then the pool.</summary>
    public sealed record DeletePool(string Pool) : IChildPoolCommand;

    /// <summary>The pool now, with its counts by state, why it falls short of its count, if it does, and the children
    /// being replaced (at most <see cref="IncidentsListed"/>).</summary>
    public sealed record PoolStatus(
        PoolDefinition Definition,
        int Ready,
        int Running,
        int Forking,
        int Lost,
        int Removing,
        int FailedTotal,
        string? LastFailure,
        string? Shortfall,
        bool Deleting,
        IReadOnlyList<PoolChild>? Children,
        IReadOnlyList<PoolChild> Incidents) : IClusterMessage;

    public const int IncidentsListed = 100;

    public sealed record PoolNotFound(string Pool) : IClusterMessage;

    public sealed record PoolRefused(string Pool, string Reason) : IClusterMessage;

    [WireName("Cluster.Pools.ChildPoolProtocol+PoolDeletedReply")]
    public sealed record PoolApplied(string Pool) : IClusterMessage;
}
