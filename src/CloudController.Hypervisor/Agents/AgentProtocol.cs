using Grpc.Core;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// The version of the host agent protocol (host_agent.proto) this build speaks. It goes up when a message's meaning
/// changes; an agent refuses a caller of another version, naming both and which side to upgrade.
/// </summary>
public static class AgentProtocol
{
    public const uint Version = 1;

    /// <summary>Null when <paramref name="callerVersion"/> is this build's; else the refusal to send back.</summary>
    public static RpcException? Refusal(uint callerVersion) => callerVersion switch
    {
        Version => null,
        < Version => new RpcException(new Status(StatusCode.FailedPrecondition,
            $"protocol_version {callerVersion} is older than this host agent's {Version}: upgrade the controller nodes to the agent's release (or run the agent of theirs).")),
        _ => new RpcException(new Status(StatusCode.FailedPrecondition,
            $"protocol_version {callerVersion} is newer than this host agent's {Version}: upgrade cc-hostd on this host to the controller's release.")),
    };
}
