using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Access;
using CloudController.Domain.Fleet;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static CloudController.Cluster.Hosts.HostEnrollmentProtocol;

namespace CloudController.Api.Services;

/// <summary>The host agents of the fleet: join tokens, the agents that joined, and removing (revoking) one.</summary>
public sealed partial class HostsService
{
    private static readonly TimeSpan DefaultTokenLife = TimeSpan.FromHours(1);

    public override async Task<JoinTokenResponse> CreateJoinToken(CreateJoinTokenRequest request, ServerCallContext context)
    {
        var name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim();
        if (request.ExpiresInSeconds < 0)
            throw RpcErrors.InvalidArgument("expires_in_seconds", $"{request.ExpiresInSeconds} is negative", "give how long the token works, e.g. 3600 (ccm: --expires 1h)");
        var validity = request.ExpiresInSeconds == 0 ? DefaultTokenLife : TimeSpan.FromSeconds(request.ExpiresInSeconds);
        var token = AccessToken.New("ccj_");
        return await actors.Ask(actors.HostEnrollment, new IssueJoinToken(DefaultEnrollment, AccessToken.Hash(token), name, validity), context.CancellationToken) switch
        {
            JoinTokenRecorded recorded => new JoinTokenResponse { Token = token, Name = recorded.Name ?? "", ExpiresAt = Timestamp.FromDateTimeOffset(recorded.ExpiresAt) },
            EnrollmentRefused refused => throw RpcErrors.FailedPrecondition(refused.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context) =>
        await actors.Ask(actors.HostEnrollment, new ListAgents(DefaultEnrollment), context.CancellationToken) switch
        {
            AgentList list => new ListAgentsResponse { Agents = { list.Agents.Select(ToProto) } },
            var other => throw RpcErrors.Unexpected(other),
        };

    public override async Task<JoinedHostAgent> RemoveAgent(RemoveAgentRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", "list the joined host agents with `ccm host agents`");
        return await actors.Ask(actors.HostEnrollment, new RemoveAgent(DefaultEnrollment, name), context.CancellationToken) switch
        {
            EnrollmentApplied removed => ToProto(removed.Agent),
            EnrollmentRefused refused => throw RpcErrors.NotFound(refused.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    private static JoinedHostAgent ToProto(JoinedAgent agent) => new()
    {
        Name = agent.Name, Endpoint = agent.Endpoint, CertificateSerial = agent.Serial, JoinedAt = Timestamp.FromDateTimeOffset(agent.JoinedAt),
    };
}
