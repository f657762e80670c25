using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Fleet;
using Grpc.Core;

namespace CloudController.Api.Services;

/// <summary>Answers from this node's fleet view, so that reading hosts never wakes (or creates) a host entity.</summary>
public sealed class HostsService(ControllerActors actors) : Hosts.HostsBase
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
        return host.ToProto();
    }

    private async Task<IReadOnlyList<Domain.Fleet.HostSnapshot>> FleetAsync(ServerCallContext context) =>
        (await actors.FleetView.Ask<FleetViewProtocol.Hosts>(
            new FleetViewProtocol.ListHosts(), actors.AskTimeout, context.CancellationToken)).Snapshots;
}
