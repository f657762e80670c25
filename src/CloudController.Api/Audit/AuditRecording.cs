using CloudController.Api.Access;
using Akka.Actor;
using CloudController.Api.Services;
using ReasonHeader = CloudController.Api.V1.ReasonHeader;
using CloudController.Domain.Access;
using CloudController.Domain.Audit;
using Grpc.Core;
using Grpc.Core.Interceptors;
using static CloudController.Cluster.Audit.AuditProtocol;

namespace CloudController.Api.Audit;

/// <summary>
/// Records every state-changing call in the audit trail once it is answered: accepted, or refused with its status
/// and message. Outside the access check, so that calls it refuses are recorded too. Every state-changing call is
/// unary; streams are reads.
/// </summary>
public sealed class AuditRecording(ControllerActors actors) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!AuditPolicy.Records(context.Method)) return await continuation(request, context);
        var ids = AuditedIds.Of(request);
        try
        {
            var response = await continuation(request, context);
            Record(context, ids, AuditOutcome.Accepted, null);
            return response;
        }
        catch (RpcException e)
        {
            Record(context, ids, AuditOutcome.Refused, $"{e.StatusCode}: {e.Status.Detail}");
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            Record(context, ids, AuditOutcome.Refused, "Cancelled: the caller went away before the answer");
            throw;
        }
        catch (Exception)
        {
            Record(context, ids, AuditOutcome.Refused, "Internal: the call failed; see the node's log");
            throw;
        }
    }

    private void Record(ServerCallContext context, IReadOnlyList<string> ids, AuditOutcome outcome, string? why)
    {
        var caller = AccessCheck.Caller(context);
        var reason = ReasonHeader.Read(context.RequestHeaders);
        actors.AuditTrail.Tell(new Record(new AuditEntry(
            DateTimeOffset.UtcNow, caller?.Name, caller is null ? null : AccessPolicy.Describe(caller.Role), AuditPolicy.CallName(context.Method),
            [.. ids], outcome, why, reason is null ? null : Domain.Validation.HostnameRules.Printable(reason, ReasonHeader.MaxLength))));
    }
}
