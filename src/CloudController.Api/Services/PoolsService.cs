using System.Collections.Immutable;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Access;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;
using CloudController.Domain.Quotas;
using Grpc.Core;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using static CloudController.Cluster.InstantClone.ReplicaMapProtocol;
using static CloudController.Cluster.Pools.ChildPoolProtocol;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Api.Services;

public sealed class PoolsService(ControllerActors actors, ControllerSettings settings) : V1.Pools.PoolsBase
{
    private const string FindPools = "list the pools with `ccm pool list`";
    private const string FindTemplates = "define one with `ccm template define`";
    private static readonly TimeSpan WatchPollInterval = TimeSpan.FromMilliseconds(100);

    public override async Task<Template> DefineTemplate(DefineTemplateRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", "name the template, e.g. web-tpl");
        var modelName = RequestGuard.Id(request.Model, "model", "name a catalog model from `ccm models list`");
        var model = await actors.Ask(actors.Models, new GetModel(modelName), context.CancellationToken) switch
        {
            ModelStatus s => s.Model,
            ModelNotFound => throw RpcErrors.InvalidArgument("model", $"there is no model '{modelName}'", "name a catalog model from `ccm models list`"),
            var other => throw RpcErrors.Unexpected(other),
        };
        var template = new ForkTemplate(
            name, model.Name, model.DiskImage, model.Minimum.DiskGib,
            request.Hardware is null ? model.Hardware : request.Hardware.ToDomain(),
            request.ChildPrivateMemoryMib == 0 ? 64 : request.ChildPrivateMemoryMib,
            request.Customizations.Select(c => new Domain.InstantClone.ParentCustomization(c.Name ?? "", c.Reboots, c.Detail ?? "")).ToImmutableArray());
        RequestGuard.ThrowIfAny(ForkTemplateValidator.Validate(template, model.Minimum));
        return await actors.Ask(actors.ReplicaMaps, new DefineTemplate(template), context.CancellationToken) switch
        {
            ReplicaMapStatus s => s.Map.ToProto(),
            ReplicaMapRefused r => throw RpcErrors.FailedPrecondition(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<Template> GetTemplate(GetTemplateRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindTemplates);
        return await actors.Ask(actors.ReplicaMaps, new GetReplicaMap(name), context.CancellationToken) switch
        {
            ReplicaMapStatus s => s.Map.ToProto(),
            TemplateNotFound => throw RpcErrors.NotFound($"no template '{name}'; {FindTemplates}"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<Template> RemoveReplica(RemoveReplicaRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Template, "template", FindTemplates);
        var hostId = RequestGuard.Id(request.HostId, "hostId", "see the template's replicas with `ccm template show`");
        switch (await actors.Ask(actors.ReplicaMaps, new RemoveReplica(name, hostId), context.CancellationToken))
        {
            case Cluster.InstantClone.ReplicaMapProtocol.ReplicaRemoved:
                return await GetTemplate(new GetTemplateRequest { Name = name }, context);
            case ReplicaMapRefused r:
                throw RpcErrors.FailedPrecondition(r.Reason);
            case var other:
                throw RpcErrors.Unexpected(other);
        }
    }

    public override async Task<Pool> CreatePool(CreatePoolRequest request, ServerCallContext context)
    {
        var definition = new PoolDefinition(
            request.Name?.Trim() ?? "", request.Template?.Trim() ?? "", request.TargetHosts.Select(h => h.Trim()).ToImmutableArray(),
            request.NamePattern ?? "", request.IpRange ?? "", request.Domain?.Trim() ?? "", request.Desired,
            ParseSurplusOrder(request.SurplusOrder), request.Persistent, !request.PoweredOff,
            await AccessCheck.OwnerOfNewAsync(actors, context, request.Owner),
            request.Autoscaling is { } bounds ? new PoolAutoscaling(bounds.Min, bounds.Max) : null);
        RequestGuard.ThrowIfAny(PoolDefinitionValidator.Validate(definition));
        if (await actors.Ask(actors.ReplicaMaps, new GetReplicaMap(definition.Template), context.CancellationToken) is not ReplicaMapStatus { Map.Template: { } template })
            throw RpcErrors.InvalidArgument("template", $"there is no template '{definition.Template}'", FindTemplates);
        var create = async () => await actors.Ask(actors.Pools, new CreatePool(definition), context.CancellationToken) switch
        {
            PoolStatus s => s.ToProto(),
            PoolRefused r => throw RpcErrors.AlreadyExists(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
        if (definition.Owner is not { } owner) return await create();
        return await actors.WithinQuotaAsync(
            ChildrenClaim(owner, definition.Name, template, definition.Desired), [ChildrenRelease(owner, definition.Name)], create, context.CancellationToken);
    }

    /// <summary>
    /// The pool's children (each a VM costing one child) held against its owner's quota: one claim per pool, resized
    /// on each scale.
    /// </summary>
    private Reserve ChildrenClaim(string owner, string pool, ForkTemplate template, int desired) =>
        new(owner, PoolClaimId(pool), QuotaClaim.ForPoolChildren(template.ChildCost(settings.Pools.ChildDiskGib), desired));

    private static Release ChildrenRelease(string owner, string pool) => new(owner, PoolClaimId(pool));

    private static string PoolClaimId(string pool) => $"pool/{pool}";

    public override async Task<Pool> ScalePool(ScalePoolRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        if (request.Desired is < 0 or > ChildPool.MaxDesired)
            throw RpcErrors.InvalidArgument("desired", $"is {request.Desired}", $"use 0 to {ChildPool.MaxDesired}");
        var pool = await GetOwnPoolAsync(name, context);
        if (pool.Definition.Owner is { } owner &&
            await actors.Ask(actors.ReplicaMaps, new GetReplicaMap(pool.Definition.Template), context.CancellationToken) is ReplicaMapStatus { Map.Template: { } template })
        {
            await actors.ReserveAsync(ChildrenClaim(owner, name, template, request.Desired), context.CancellationToken);
            var reply = await actors.Ask(actors.Pools, new ScalePool(name, request.Desired), context.CancellationToken);
            // A refused scale gives back what it reserved beyond the count the pool keeps.
            if (reply is not PoolStatus)
                actors.Quotas.Tell(ChildrenClaim(owner, name, template, pool.Definition.Desired), Akka.Actor.ActorRefs.NoSender);
            return Answer(name, reply);
        }
        return Answer(name, await actors.Ask(actors.Pools, new ScalePool(name, request.Desired), context.CancellationToken));
    }

    public override async Task<Pool> GetPool(GetPoolRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        return (await GetOwnPoolAsync(name, context, request.WithChildren)).ToProto();
    }

    /// <summary>Refuses the call unless the pool is the caller's; no read when the caller may act on every pool.</summary>
    private async Task DemandOwnPoolAsync(string name, ServerCallContext context)
    {
        if (!AccessCheck.SeesEverything(context)) await GetOwnPoolAsync(name, context);
    }

    /// <summary>The pool, if it is the caller's to see and act on.</summary>
    private async Task<PoolStatus> GetOwnPoolAsync(string name, ServerCallContext context, bool withChildren = false)
    {
        var reply = await actors.Ask(actors.Pools, new GetPool(name, withChildren), context.CancellationToken);
        if (reply is not PoolStatus status) throw Refusal(name, reply);
        AccessCheck.DemandOwnership(context, status.Definition.Owner, $"pool {name}");
        return status;
    }

    public override async Task<ListPoolsResponse> ListPools(ListPoolsRequest request, ServerCallContext context)
    {
        var names = (IReadOnlyList<string>)await actors.Ask(
            actors.PoolDirectory, new ProjectionQuery<PoolDirectory>(d => d.Names()), context.CancellationToken);
        var caller = AccessCheck.Caller(context);
        var response = new ListPoolsResponse();
        foreach (var name in names)
        {
            // The directory lags the pools a little: one deleted since is simply left out.
            if (await actors.Ask(actors.Pools, new GetPool(name), context.CancellationToken) is PoolStatus s && Ownership.Permits(caller, s.Definition.Owner))
                response.Pools.Add(s.ToProto());
        }
        return response;
    }

    public override async Task WatchPool(WatchPoolRequest request, IServerStreamWriter<Pool> responseStream, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        await DemandOwnPoolAsync(name, context);
        Pool? last = null;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var reply = await actors.Ask(actors.Pools, new GetPool(name), context.CancellationToken);
            if (reply is PoolNotFound && last is not null) return; // deleted while watched: the stream ends
            var pool = Answer(name, reply);
            if (!pool.Equals(last))
            {
                await responseStream.WriteAsync(pool, context.CancellationToken);
                last = pool;
            }
            await Task.Delay(WatchPollInterval, context.CancellationToken).ContinueWith(_ => { });
        }
    }

    public override async Task<Pool> StartChildren(StartChildrenRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        if (request.Count is < 1 or > ChildPool.MaxDesired)
            throw RpcErrors.InvalidArgument("count", $"is {request.Count}", $"start 1 to {ChildPool.MaxDesired} children");
        await DemandOwnPoolAsync(name, context);
        return Answer(name, await actors.Ask(actors.Pools, new StartChildren(name, request.Count), context.CancellationToken));
    }

    public override async Task<Pool> DeletePool(DeletePoolRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        var pool = await GetOwnPoolAsync(name, context);
        var reply = await actors.Ask(actors.Pools, new DeletePool(name), context.CancellationToken);
        if (reply is PoolStatus && pool.Definition.Owner is { } owner) actors.Quotas.Tell(ChildrenRelease(owner, name), Akka.Actor.ActorRefs.NoSender);
        return Answer(name, reply);
    }

    public override async Task<Pool> SetPoolAutoscaling(SetPoolAutoscalingRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        var bounds = request.Autoscaling is { } a ? new PoolAutoscaling(a.Min, a.Max) : null;
        if (bounds is not null) RequestGuard.ThrowIfAny(bounds.Problems());
        await DemandOwnPoolAsync(name, context);
        return Answer(name, await actors.Ask(actors.Pools, new SetAutoscaling(name, bounds), context.CancellationToken));
    }

    public override async Task<Pool> RemoveChildren(RemoveChildrenRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindPools);
        if (request.ChildIds.Count == 0)
            throw RpcErrors.InvalidArgument("childIds", "no child is named", "name children as `ccm pool show NAME --children` lists them");
        var ids = request.ChildIds.Select((id, i) => RequestGuard.Id(id, $"childIds[{i}]", "name children as `ccm pool show NAME --children` lists them")).ToList();
        await DemandOwnPoolAsync(name, context);
        return Answer(name, await actors.Ask(actors.Pools, new RemoveChildren(name, ids, "removed by name"), context.CancellationToken));
    }

    private static Pool Answer(string name, object reply) => reply is PoolStatus s ? s.ToProto() : throw Refusal(name, reply);

    private static RpcException Refusal(string name, object reply) => reply switch
    {
        PoolNotFound => RpcErrors.NotFound($"no pool '{name}'; {FindPools}"),
        PoolRefused r => RpcErrors.FailedPrecondition(r.Reason),
        _ => RpcErrors.Unexpected(reply),
    };

    private static SurplusOrder ParseSurplusOrder(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "newest" => SurplusOrder.Newest,
        "oldest" => SurplusOrder.Oldest,
        var other => throw RpcErrors.InvalidArgument("surplusOrder", $"'{other}' is not an order", "use newest or oldest"),
    };
}
