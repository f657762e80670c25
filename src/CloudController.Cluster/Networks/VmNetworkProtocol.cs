using System.Collections.Immutable;
using CloudController.Domain.Networks;

namespace CloudController.Cluster.Networks;

/// <summary>The messages of the <see cref="VmNetworkActor"/> entity, keyed by network name.</summary>
public static class VmNetworkProtocol
{
    public interface INetworkCommand : IEntityCommand
    {
        string Network { get; }

        string IEntityCommand.EntityId => Network;
    }

    /// <summary>Provisions the planned members as one unit. Repeating it for the same network answers its status.</summary>
    public sealed record CreateNetwork(string Network, ImmutableArray<NetworkMemberRecord> Members) : INetworkCommand;

    public sealed record GetNetwork(string Network) : INetworkCommand;

    /// <param name="TaskStates">Member role to the state of its task (or its undo) as last seen.</param>
    public sealed record NetworkStatus(VmNetwork Network, ImmutableDictionary<string, string> TaskStates) : IClusterMessage;

    public sealed record NetworkNotFound(string Network) : IClusterMessage;
}
