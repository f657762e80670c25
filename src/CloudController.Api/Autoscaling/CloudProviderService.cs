using CloudController.Api.Autoscaling;
using CloudController.Api.Errors;
using CloudController.Api.Services;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Pools;
using Grpc.Core;
using static CloudController.Cluster.Pools.ChildPoolProtocol;

namespace CloudController.Api.Autoscaling;

/// <summary>
/// Kubernetes Cluster Autoscaler's external gRPC cloud provider, over the pools that opt in to autoscaling: a node
/// group is a pool, a node one of its children (<see cref="ProviderId"/>). Served only on the autoscaler's own
/// listener, whose callers prove themselves with a client certificate from the configured CA (mutual TLS).
/// </summary>
public sealed class CloudProviderService(ControllerActors actors) : CloudProvider.CloudProviderBase
{
    private const string FindGroups = "node groups are pools with autoscaling on: `ccm pool set NAME --autoscale --min N --max M`";

    public override async Task<NodeGroupsResponse> NodeGroups(NodeGroupsRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        var response = new NodeGroupsResponse();
        foreach (var pool in await AutoscaledPoolsAsync(context.CancellationToken)) response.NodeGroups.Add(GroupOf(pool));
        return response;
    }

    public override async Task<NodeGroupForNodeResponse> NodeGroupForNode(NodeGroupForNodeRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        // Every node of the Kubernetes cluster is asked about; one that is not a child of an autoscaled pool is not ours.
        var none = new NodeGroupForNodeResponse { NodeGroup = new NodeGroup { Id = "" } };
        if (ProviderId.Parse(request.Node?.ProviderID) is not { IsUnfulfilled: false } id) return none;
        var status = await actors.Ask(actors.Pools, new GetPool(id.Pool, WithChildren: true), context.CancellationToken) as PoolStatus;
        if (status?.Definition.Autoscaling is null || status.Children!.All(c => c.ChildId != id.Child)) return none;
        return new NodeGroupForNodeResponse { NodeGroup = GroupOf(status) };
    }

    public override async Task<NodeGroupTargetSizeResponse> NodeGroupTargetSize(NodeGroupTargetSizeRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        var pool = await GroupAsync(request.Id, context);
        return new NodeGroupTargetSizeResponse { TargetSize = pool.Definition.Desired };
    }

    public override async Task<NodeGroupIncreaseSizeResponse> NodeGroupIncreaseSize(NodeGroupIncreaseSizeRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        if (request.Delta <= 0) throw RpcErrors.InvalidArgument("delta", $"is {request.Delta}", "give the number of nodes to add, 1 or more");
        var pool = await GroupAsync(request.Id, context);
        // Answered once the new count is journaled, as the protocol asks.
        Answer(pool.Definition.Name, await actors.Ask(actors.Pools, new GrowPool(pool.Definition.Name, request.Delta), context.CancellationToken));
        return new NodeGroupIncreaseSizeResponse();
    }

    public override async Task<NodeGroupDeleteNodesResponse> NodeGroupDeleteNodes(NodeGroupDeleteNodesRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        if (request.Nodes.Count == 0) throw RpcErrors.InvalidArgument("nodes", "no node is named", "name the nodes to delete by their providerID");
        var pool = await GroupAsync(request.Id, context);
        var name = pool.Definition.Name;
        var ids = request.Nodes.Select((node, i) => NodeOf(node, i, name)).ToList();
        // Stand-ins for children the pool could not fork are requests to take back, not children to remove.
        var unfulfilled = ids.Count(id => id.IsUnfulfilled);
        if (unfulfilled > 0) Answer(name, await actors.Ask(actors.Pools, new ShrinkPoolTarget(name, -unfulfilled), context.CancellationToken));
        var children = ids.Where(id => !id.IsUnfulfilled).Select(id => id.Child).ToList();
        if (children.Count > 0)
        {
            Answer(name, await actors.Ask(actors.Pools, new RemoveChildren(name, children, "deleted by the cluster autoscaler"),
                context.CancellationToken));
        }
        return new NodeGroupDeleteNodesResponse();
    }

    public override async Task<NodeGroupDecreaseTargetSizeResponse> NodeGroupDecreaseTargetSize(
        NodeGroupDecreaseTargetSizeRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        if (request.Delta >= 0)
            throw RpcErrors.InvalidArgument("delta", $"is {request.Delta}", "give a negative number: how many requested nodes to take back");
        var pool = await GroupAsync(request.Id, context);
        Answer(pool.Definition.Name, await actors.Ask(actors.Pools, new ShrinkPoolTarget(pool.Definition.Name, request.Delta), context.CancellationToken));
        return new NodeGroupDecreaseTargetSizeResponse();
    }

    public override async Task<NodeGroupNodesResponse> NodeGroupNodes(NodeGroupNodesRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        var pool = await GroupAsync(request.Id, context, withChildren: true);
        var response = new NodeGroupNodesResponse();
        response.Instances.AddRange(NodeGroupInstances.Of(pool));
        return response;
    }

    public override Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        // Every answer reads the pools as they are: there is no cache to refresh.
        return Task.FromResult(new RefreshResponse());
    }

    public override Task<CleanupResponse> Cleanup(CleanupRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        return Task.FromResult(new CleanupResponse());
    }

    public override async Task<NodeGroupAutoscalingOptionsResponse> NodeGroupGetOptions(
        NodeGroupAutoscalingOptionsRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        await GroupAsync(request.Id, context);
        // A pool sets no autoscaling options of its own: the autoscaler's defaults hold.
        return new NodeGroupAutoscalingOptionsResponse { NodeGroupAutoscalingOptions = request.Defaults ?? new NodeGroupAutoscalingOptions() };
    }

    public override Task<GPULabelResponse> GPULabel(GPULabelRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        // Children have no GPUs: no node carries a GPU label.
        return Task.FromResult(new GPULabelResponse { Label = "" });
    }

    public override Task<GetAvailableGPUTypesResponse> GetAvailableGPUTypes(GetAvailableGPUTypesRequest request, ServerCallContext context)
    {
        DemandCertificate(context);
        return Task.FromResult(new GetAvailableGPUTypesResponse());
    }

    // PricingNodePrice, PricingPodPrice and NodeGroupTemplateNodeInfo are optional: the base answers Unimplemented.

    /// <summary>The listener already refused any other certificate; this refuses a call that came another way.</summary>
    private static void DemandCertificate(ServerCallContext context)
    {
        if (context.GetHttpContext().Connection.ClientCertificate is null)
            throw RpcErrors.PermissionDenied("the cloud provider service answers only on the autoscaler listener, to a client certificate from its CA");
    }

    private ProviderId NodeOf(ExternalGrpcNode node, int index, string group)
    {
        var field = $"nodes[{index}].providerID";
        var id = ProviderId.Parse(node.ProviderID)
                 ?? throw RpcErrors.InvalidArgument(field, $"'{node.ProviderID}' is not a CloudController node",
                     $"give ids of the form {ProviderId.Scheme}POOL/CHILD, as NodeGroupNodes lists them");
        if (id.Pool != group)
            throw RpcErrors.InvalidArgument(field, $"{id} belongs to node group '{id.Pool}', not '{group}'", "delete each node through its own group");
        return id;
    }

    private async Task<PoolStatus> GroupAsync(string id, ServerCallContext context, bool withChildren = false)
    {
        var name = RequestGuard.Id(id, "id", FindGroups);
        return await actors.Ask(actors.Pools, new GetPool(name, withChildren), context.CancellationToken) switch
        {
            PoolStatus { Definition.Autoscaling: not null } s => s,
            PoolStatus => throw RpcErrors.NotFound($"id: pool '{name}' is not a node group; {FindGroups}"),
            _ => throw RpcErrors.NotFound($"id: no node group '{name}'; {FindGroups}"),
        };
    }

    private async Task<IReadOnlyList<PoolStatus>> AutoscaledPoolsAsync(CancellationToken ct)
    {
        var names = (IReadOnlyList<string>)await actors.Ask(actors.PoolDirectory, new ProjectionQuery<PoolDirectory>(d => d.Names()), ct);
        var pools = new List<PoolStatus>();
        foreach (var name in names)
        {
            if (await actors.Ask(actors.Pools, new GetPool(name), ct) is PoolStatus { Definition.Autoscaling: not null, Deleting: false } s) pools.Add(s);
        }
        return pools;
    }

    private static NodeGroup GroupOf(PoolStatus pool) => new()
    {
        Id = pool.Definition.Name,
        MinSize = pool.Definition.Autoscaling!.Min,
        MaxSize = pool.Definition.Autoscaling.Max,
        Debug = $"pool {pool.Definition.Name} of template {pool.Definition.Template}: {pool.Ready} ready, {pool.Forking} forking, " +
                $"desired {pool.Definition.Desired}" + (pool.Shortfall is { } s ? $"; {s}" : ""),
    };

    private static void Answer(string name, object reply)
    {
        switch (reply)
        {
            case PoolStatus:
                return;
            case PoolNotFound:
                throw RpcErrors.NotFound($"id: no node group '{name}'; {FindGroups}");
            case PoolRefused r:
                throw RpcErrors.FailedPrecondition(r.Reason);
            default:
                throw RpcErrors.Unexpected(reply);
        }
    }
}
