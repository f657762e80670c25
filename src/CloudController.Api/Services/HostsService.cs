using Akka.Actor;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosts;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Fleet;
using CloudController.Domain.Validation;
using CloudController.Domain.Vms;
using Grpc.Core;
using StartTask = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol.StartTask;

namespace CloudController.Api.Services;

/// <summary>Answers from this node's fleet view, so that reading hosts never wakes (or creates) a host entity; only
/// <c>GetHost</c> asks a host the view knows for its state history.</summary>
public sealed partial class HostsService(ControllerActors actors) : Hosts.HostsBase
{
    public override async Task<ListHostsResponse> ListHosts(ListHostsRequest request, ServerCallContext context)
    {
        var response = new ListHostsResponse();
        response.Hosts.AddRange((await FleetAsync(context)).Select(h => h.ToProto()));
        return response;
    }

    public override async Task<Host> GetHost(GetHostRequest request, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.Id, "id", "list the hosts with `ccm hosts list`");
        var host = (await FleetAsync(context)).FirstOrDefault(h => h.HostId == id)
                   ?? throw RpcErrors.NotFound($"no host '{id}'; list the hosts with `ccm hosts list`");
        // The history lives in the host's ledger, not in the status it publishes to every node's fleet view.
        var proto = host.ToProto();
        proto.StateHistory.AddRange(await actors.Ask(actors.Hosts, new HostProtocol.GetHostHistory(id), context.CancellationToken) switch
        {
            HostProtocol.HostHistory history => history.Changes.Select(c => c.ToProto()),
            HostProtocol.HostNotFound => throw RpcErrors.NotFound($"no host '{id}'; list the hosts with `ccm hosts list`"),
            var other => throw RpcErrors.Unexpected(other),
        });
        return proto;
    }

    public override async Task<Host> SetHostState(SetHostStateRequest request, ServerCallContext context)
    {
        var id = await KnownHostAsync(request.Id, context);
        var state = ParseState(request.State);
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "set by an operator" : request.Reason.Trim();
        return await actors.Ask(actors.Hosts, new HostProtocol.SetHostState(id, state, reason, AccessCheck.Caller(context)?.Name), context.CancellationToken) switch
        {
            HostProtocol.HostApplied => (await Eventually(id, h => h.State == state, $"the state {state.ToString().ToLowerInvariant()}", context)).ToProto(),
            HostProtocol.HostRefused r => throw RpcErrors.FailedPrecondition($"host {id} refused: {r.Reason}"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<EvacuateHostResponse> EvacuateHost(EvacuateHostRequest request, ServerCallContext context)
    {
        var id = await KnownHostAsync(request.Id, context);
        // The request has no reason field: the one given with the call (--reason) goes into the host's history.
        var reason = ReasonHeader.Read(context.RequestHeaders) is { } given ? $"evacuating: {HostnameRules.Printable(given, ReasonHeader.MaxLength)}" : "evacuating";
        if (await actors.Ask(actors.Hosts, new HostProtocol.SetHostState(id, HostState.Draining, reason, AccessCheck.Caller(context)?.Name), context.CancellationToken) is HostProtocol.HostRefused r)
            throw RpcErrors.FailedPrecondition($"host {id} refused: {r.Reason}");
        var vms = (IReadOnlyList<VmRecord>)await actors.Ask(actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(id)), context.CancellationToken);
        var response = new EvacuateHostResponse();
        foreach (var vm in vms)
        {
            if (vm.State != VmState.Running)
            {
                response.Skipped[vm.VmId] = vm.State == VmState.InstantImage
                    ? $"the source of instant image {vm.InstantImageName}; remove the image to move it"
                    : $"{vm.State.ToString().ToLowerInvariant()} by task {vm.TaskId}";
                continue;
            }
            var taskId = ResourceIds.NewTaskId();
            await actors.Ask(actors.Tasks, StartTask.Migration(taskId, vm, null, AccessCheck.Caller(context)?.Name), context.CancellationToken);
            response.Migrations.Add(new MigrationStarted { VmId = vm.VmId, TaskId = taskId });
        }
        return response;
    }

    public override async Task<RebalanceResponse> Rebalance(RebalanceRequest request, ServerCallContext context)
    {
        var memory = Threshold(request.MemoryThreshold, "memoryThreshold", actors.Settings.Rebalancing.MemoryThreshold);
        var cpu = Threshold(request.CpuThreshold, "cpuThreshold", actors.Settings.Rebalancing.CpuThreshold);
        var done = await actors.Ask(actors.FleetBalancer, new FleetBalancerProtocol.Rebalance(memory, cpu, request.DryRun), context.CancellationToken) switch
        {
            FleetBalancerProtocol.Rebalanced rebalanced => rebalanced,
            var other => throw RpcErrors.Unexpected(other),
        };
        var response = new RebalanceResponse();
        response.Migrations.AddRange(done.Moves.Select(m => new PlannedMigration
        {
            VmId = m.VmId, FromHostId = m.FromHostId, ToHostId = m.ToHostId, Reason = m.Reason,
            TaskId = done.TaskIds.GetValueOrDefault(m.VmId, ""),
        }));
        return response;
    }

    private static double Threshold(double value, string field, double configured) => value switch
    {
        0 => configured,
        > 0 and <= 1 => value,
        _ => throw RpcErrors.InvalidArgument(field, $"is {value}", "give a fraction in (0, 1], e.g. 0.8, or 0 for the configured one"),
    };

    private static HostState ParseState(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "active" => HostState.Active,
        "draining" => HostState.Draining,
        "maintenance" => HostState.Maintenance,
        var other => throw RpcErrors.InvalidArgument("state", $"'{other}' is not a state to set", "use active, draining or maintenance"),
    };

    private async Task<string> KnownHostAsync(string? raw, ServerCallContext context)
    {
        var id = RequestGuard.Id(raw, "id", "list the hosts with `ccm hosts list`");
        if ((await FleetAsync(context)).All(h => h.HostId != id))
            throw RpcErrors.NotFound($"no host '{id}'; list the hosts with `ccm hosts list`");
        return id;
    }

    /// <summary>
    /// The fleet view hears of a change by pub-sub, a moment after the host applied it. A view still behind at the
    /// deadline is an error that says so, never the stale host passed off as the answer.
    /// </summary>
    private async Task<HostSnapshot> Eventually(string id, Func<HostSnapshot, bool> done, string what, ServerCallContext context)
    {
        var deadline = DateTime.UtcNow + actors.AskTimeout;
        while (true)
        {
            var host = (await FleetAsync(context)).FirstOrDefault(h => h.HostId == id)
                       ?? throw RpcErrors.NotFound($"host '{id}' left the fleet view after the change; list the hosts with `ccm hosts list`");
            if (done(host)) return host;
            if (DateTime.UtcNow > deadline)
                throw RpcErrors.Unavailable($"host {id} applied {what}, but the fleet view still shows it {host.State.ToString().ToLowerInvariant()} " +
                                            $"after {actors.AskTimeout.TotalSeconds:0.#}s; the change is kept: check with `ccm hosts show {id}`");
            await Task.Delay(20, context.CancellationToken);
        }
    }

    private async Task<IReadOnlyList<HostSnapshot>> FleetAsync(ServerCallContext context) =>
        (await actors.FleetView.Ask<FleetViewProtocol.Hosts>(
            new FleetViewProtocol.ListHosts(), actors.AskTimeout, context.CancellationToken)).Snapshots;
}
