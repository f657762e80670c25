using CloudController.Api.Errors;
using CloudController.Domain.Access;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;
using static CloudController.Cluster.Hosts.HostEnrollmentProtocol;

namespace CloudController.Api.Services;

/// <summary>
/// Where a host agent joins: its one-time token is its credential (no API token), and it gets back a certificate for
/// its own key from the host CA, and the CA to pin. A refusal names the problem and the fix, and records nothing.
/// </summary>
public sealed class HostJoinService(ControllerActors actors) : HostJoin.HostJoinBase
{
    public override async Task<JoinReply> Join(JoinRequest request, ServerCallContext context)
    {
        if (request.ProtocolVersion != AgentProtocol.Version)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"protocol_version {request.ProtocolVersion} is {(request.ProtocolVersion < AgentProtocol.Version ? "older" : "newer")} than this controller's {AgentProtocol.Version}: " +
                (request.ProtocolVersion < AgentProtocol.Version ? "upgrade cc-hostd on this host to the controller's release." : "upgrade the controller nodes to the agent's release.")));
        }
        if (string.IsNullOrWhiteSpace(request.Token))
            throw RpcErrors.InvalidArgument("token", "is empty", "give cc-hostd --join-token a file holding a token from `ccm host join-token`");
        var join = new JoinAgent(DefaultEnrollment, AccessToken.Hash(request.Token), request.Name ?? "", request.Endpoint ?? "", request.CertificateRequest.ToByteArray());
        return await actors.Ask(actors.HostEnrollment, join, context.CancellationToken) switch
        {
            Certified certified => new JoinReply
            {
                Certificate = Google.Protobuf.ByteString.CopyFrom(certified.Certificate), Authority = Google.Protobuf.ByteString.CopyFrom(certified.Authority),
            },
            EnrollmentRefused refused => throw new RpcException(new Status(
                refused.Reason.StartsWith("token:", StringComparison.Ordinal) ? StatusCode.PermissionDenied : StatusCode.FailedPrecondition, refused.Reason)),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
