using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Domain.Access;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static CloudController.Cluster.Metering.UsageMeterProtocol;

namespace CloudController.Api.Services;

public sealed class UsageService(ControllerActors actors) : V1.Usage.UsageBase
{
    public override async Task<V1.UsageReport> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        var to = RequestGuard.Time(request.To, "to") ?? DateTimeOffset.UtcNow;
        var from = RequestGuard.Time(request.From, "from") ?? new DateTimeOffset(to.Year, to.Month, 1, 0, 0, 0, TimeSpan.Zero);
        if (from >= to)
            throw RpcErrors.InvalidArgument("from", $"{from:u} is not before to ({to:u})", "give a period that starts before it ends");
        var owner = request.Owner?.Trim() ?? "";
        if (owner.Length > 0) AccessCheck.DemandOwnership(context, owner, $"the usage of {owner}");

        var report = await actors.Ask(actors.UsageMeter, new GetUsage(from, to), context.CancellationToken) switch
        {
            Cluster.Metering.UsageMeterProtocol.UsageReport r => r,
            var other => throw RpcErrors.Unexpected(other),
        };
        var caller = AccessCheck.Caller(context);
        var answer = new V1.UsageReport
        {
            From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to),
            SampledAt = report.SampledAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        };
        answer.Owners.AddRange(report.Rows
            .Where(r => Ownership.Permits(caller, r.Owner) && (owner.Length == 0 || r.Owner == owner))
            .Select(r => new OwnerUsage
            {
                Owner = r.Owner, VmsStarted = r.VmsStarted, VmHours = r.VmHours, CoreHours = r.CoreHours, MemoryGibHours = r.MemoryGibHours,
                DiskGibHours = r.DiskGibHours, VmsHeld = r.VmsHeld, Held = r.Held.ToProto(),
            }));
        return answer;
    }
}
