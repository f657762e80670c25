using CloudController.Api.Errors;
using CloudController.Api.V1;
using System.Collections.Immutable;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Validation;
using CloudController.Domain.Vms;
using Grpc.Core;

namespace CloudController.Api.Services;

/// <summary>Bulk provisioning: many VMs from one request, named from a pattern and addressed from a range.</summary>
public sealed partial class ProvisioningService
{
    /// <summary>A bound that catches a mistyped count before it becomes hundreds of tasks.</summary>
    private const int MaxBulk = 500;

    /// <summary>
    /// Bulk scripting: names from the pattern and addresses from the range, none already used by a live VM, each VM
    /// provisioned as its own task with its name and address in its provisioning data.
    /// </summary>
    private async Task<ProvisionResponse> ProvisionManyAsync(ProvisionRequest request, string? owner, ServerCallContext context)
    {
        var count = Math.Max(1, request.Count);
        var errors = new List<FieldError>();
        if (count > MaxBulk) errors.Add(new FieldError("count", $"is {count}", $"provision at most {MaxBulk} VMs per request"));
        var text = request.Hostname?.Trim() ?? "";
        var (pattern, patternProblem) = Domain.Pools.NamePattern.Parse(text.Contains("{n") ? text : text + "-{n}");
        if (patternProblem is not null) errors.Add(new FieldError("hostname", $"the name pattern {patternProblem}", "use a host name with {n} for the number, e.g. web-{n:00}"));
        Domain.Networking.Ipv4Range? range = null;
        if (request.IpRange.Length > 0)
        {
            (range, var rangeProblem) = Domain.Networking.Ipv4Range.Parse(request.IpRange);
            if (rangeProblem is not null) errors.Add(new FieldError("ip_range", rangeProblem, "give first-last, e.g. 10.0.0.10-10.0.0.59, or a CIDR block"));
        }
        RequestGuard.ThrowIfAny(errors);

        var live = (IReadOnlyList<VmRecord>)await actors.Ask(actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(null)), context.CancellationToken);
        var usedNames = live.Select(v => v.Hostname).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var usedIps = live.Select(v => v.DataOrEmpty.Values.GetValueOrDefault("ip")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var names = Enumerable.Range(1, count + usedNames.Count).Select(n => pattern!.NameFor(n)).Where(n => !usedNames.Contains(n)).Take(count).ToList();
        var ips = new List<string>();
        if (range is not null)
        {
            for (var address = range.First; ips.Count < count; address++)
            {
                var ip = Domain.Networking.Ipv4Range.Format(address);
                if (!usedIps.Contains(ip)) ips.Add(ip);
                if (address == range.Last) break;
            }
            if (ips.Count < count)
                throw RpcErrors.InvalidArgument("ip_range", $"{request.IpRange} has {ips.Count} addresses no live VM uses, {count} are needed", "widen the range or lower count");
        }

        var response = new ProvisionResponse();
        for (var i = 0; i < count; i++)
        {
            var one = request.Clone();
            one.Count = 0;
            one.IpRange = "";
            one.Hostname = names[i];
            one.Data["hostname"] = names[i];
            if (ips.Count > 0) one.Data["ip"] = ips[i];
            var started = await ProvisionOneAsync(one, owner, context);
            response.Vms.Add(new ProvisionedVm { TaskId = started.TaskId, VmId = started.VmId, Hostname = names[i], Ip = ips.Count > 0 ? ips[i] : "" });
        }
        response.TaskId = response.Vms[0].TaskId;
        response.VmId = response.Vms[0].VmId;
        return response;
    }
}
