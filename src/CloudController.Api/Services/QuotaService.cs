using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Access;
using CloudController.Domain.Quotas;
using Grpc.Core;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Api.Services;

public sealed class QuotaService(ControllerActors actors) : V1.Quotas.QuotasBase
{
    private static readonly string[] Limits = ["vms", "vcpu", "memory", "disk"];

    public override async Task<Quota> GetQuota(GetQuotaRequest request, ServerCallContext context)
    {
        var user = UserOf(request.User, context);
        AccessCheck.DemandOwnership(context, user, $"the quota of {user}");
        return ToProto(await AskAsync(new GetQuota(user), context));
    }

    public override async Task<Quota> SetQuota(SetQuotaRequest request, ServerCallContext context)
    {
        var user = UserOf(request.User, context);
        var unknown = request.Clear.Where(c => !Limits.Contains(c)).ToList();
        if (unknown.Count > 0)
            throw RpcErrors.InvalidArgument("clear", $"'{Domain.Validation.HostnameRules.Printable(unknown[0])}' is not a limit", $"name one of {string.Join(", ", Limits)}");
        var current = await AskAsync(new GetQuota(user), context);
        var limits = new QuotaLimits(
            request.Clear.Contains("vms") ? null : request.HasVms ? request.Vms : current.Limits.Vms,
            request.Clear.Contains("vcpu") ? null : request.HasVcpus ? request.Vcpus : current.Limits.VCpus,
            request.Clear.Contains("memory") ? null : request.HasMemoryMib ? request.MemoryMib : current.Limits.MemoryMib,
            request.Clear.Contains("disk") ? null : request.HasDiskGib ? request.DiskGib : current.Limits.DiskGib);
        RequestGuard.ThrowIfAny(OwnerQuota.Problems(limits));
        return ToProto(await AskAsync(new SetLimits(user, limits), context));
    }

    /// <summary>The user named, or the caller; a quota belongs to a user, so one of them is needed.</summary>
    private static string UserOf(string? requested, ServerCallContext context)
    {
        var user = string.IsNullOrWhiteSpace(requested) ? AccessCheck.Caller(context)?.Name : requested.Trim();
        if (user is null) throw RpcErrors.InvalidArgument("user", "is required with access control off", "name the owner, e.g. --user alice");
        if (AccessRegistry.NameProblem(user) is { } problem) throw RpcErrors.InvalidArgument([problem with { Field = "user" }]);
        return user;
    }

    private async Task<QuotaStatus> AskAsync(IQuotaCommand command, ServerCallContext context) =>
        await actors.Ask(actors.Quotas, command, context.CancellationToken) switch
        {
            QuotaStatus s => s,
            QuotaRefused r => throw RpcErrors.FailedPrecondition(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };

    private static Quota ToProto(QuotaStatus s)
    {
        var quota = new Quota
        {
            User = s.Owner,
            Usage = new QuotaAmounts { Vms = s.Usage.Vms, Vcpus = s.Usage.VCpus, MemoryMib = s.Usage.MemoryMib, DiskGib = s.Usage.DiskGib },
        };
        if (s.Limits.Vms is { } vms) quota.VmsLimit = vms;
        if (s.Limits.VCpus is { } vcpus) quota.VcpusLimit = vcpus;
        if (s.Limits.MemoryMib is { } memory) quota.MemoryMibLimit = memory;
        if (s.Limits.DiskGib is { } disk) quota.DiskGibLimit = disk;
        return quota;
    }
}
