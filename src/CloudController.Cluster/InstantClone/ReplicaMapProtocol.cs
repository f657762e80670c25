using System.Collections.Immutable;
using CloudController.Domain.InstantClone;

namespace CloudController.Cluster.InstantClone;

/// <summary>The messages of the <see cref="ReplicaMapActor"/> entity, keyed by fork template name.</summary>
public static class ReplicaMapProtocol
{
    public interface IReplicaMapCommand : IEntityCommand
    {
        string Template { get; }

        string IEntityCommand.EntityId => Template;
    }

    public sealed record DefineTemplate(ForkTemplate Definition) : IReplicaMapCommand
    {
        public string Template => Definition.Name;
    }

    public sealed record GetReplicaMap(string Template) : IReplicaMapCommand;

    /// <summary>
    /// Makes sure the template has a ready replica on each host, making the missing ones concurrently. Answered with
    /// <see cref="ReplicasEnsured"/> once every host has one or failed to get one.
    /// </summary>
    public sealed record EnsureReplicas(string Template, ImmutableArray<string> HostIds) : IReplicaMapCommand;

    /// <summary>Removes a host's replica; the host refuses while children still share it.</summary>
    public sealed record RemoveReplica(string Template, string HostId) : IReplicaMapCommand;

    public sealed record ReplicaMapStatus(ReplicaMap Map) : IClusterMessage;

    /// <param name="Ready">Host id to the replica's VM id.</param>
    /// <param name="Failed">Host id to why no replica could be made there.</param>
    public sealed record ReplicasEnsured(
        string Template, ImmutableDictionary<string, string> Ready, ImmutableDictionary<string, string> Failed) : IClusterMessage;

    public sealed record TemplateNotFound(string Template) : IClusterMessage;

    public sealed record ReplicaMapRefused(string Template, string Reason) : IClusterMessage;

    public sealed record ReplicaRemoved(string Template, string HostId) : IClusterMessage;
}
