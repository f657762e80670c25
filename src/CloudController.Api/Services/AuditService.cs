using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Audit;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static CloudController.Cluster.Audit.AuditProtocol;

namespace CloudController.Api.Services;

public sealed class AuditService(ControllerActors actors) : V1.Audit.AuditBase
{
    private const int MaxLimit = 1000;

    public override async Task<AuditEntries> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > MaxLimit)
            throw RpcErrors.InvalidArgument("limit", $"is {request.Limit}", $"ask for 1 to {MaxLimit} entries, or 0 for {MaxLimit}");
        var filter = new AuditFilter(NullIfEmpty(request.User), NullIfEmpty(request.Call), RequestGuard.Time(request.Since, "since"));
        var list = new List(AccessCheck.Caller(context), filter, request.Limit == 0 ? MaxLimit : request.Limit);
        var entries = await actors.Ask(actors.AuditTrail, list, context.CancellationToken) switch
        {
            Entries e => e.Items,
            var other => throw RpcErrors.Unexpected(other),
        };
        var answer = new AuditEntries();
        answer.Entries.AddRange(entries.Select(e => new V1.AuditEntry
        {
            At = Timestamp.FromDateTimeOffset(e.At), Caller = e.Caller ?? "", Role = e.Role ?? "", Call = e.Call, Ids = { e.Ids },
            Outcome = e.Outcome.ToString().ToLowerInvariant(), Why = e.Why ?? "", Reason = e.Reason ?? "",
        }));
        return answer;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
