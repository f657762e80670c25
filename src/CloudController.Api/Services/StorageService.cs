using System.Collections.Immutable;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Cluster.ReadModels;
using CloudController.Api.V1;
using CloudController.Domain.Access;
using CloudController.Domain.Storage;
using CloudController.Domain.Vms;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static CloudController.Cluster.Storage.StorageProtocol;
using DomainPool = CloudController.Domain.Storage.StoragePool;

namespace CloudController.Api.Services;

public sealed class StorageService(ControllerActors actors) : V1.Storage.StorageBase
{
    public override async Task<V1.StoragePool> DefinePool(V1.StoragePool request, ServerCallContext context)
    {
        var pool = new DomainPool(
            request.Id?.Trim() ?? "",
            request.Datastores.Select((d, i) => new Datastore(d.Id?.Trim() ?? "", Parse<DatastoreKind>(d.Kind, $"datastores[{i}].kind", "local or shared"),
                Parse<StorageMedia>(string.IsNullOrEmpty(d.Media) ? "ssd" : d.Media, $"datastores[{i}].media", "ssd or hdd"), d.CapacityGib,
                string.IsNullOrWhiteSpace(d.HostId) ? null : d.HostId.Trim())).ToImmutableArray(),
            Parse<AllocationPolicy>(string.IsNullOrEmpty(request.Policy) ? "equal" : request.Policy, "policy", "equal, weighted, baseline or dynamic"),
            request.OvercommitRatio == 0 ? 1.0 : request.OvercommitRatio,
            request.BaselineGib == 0 ? 10 : request.BaselineGib,
            request.RoleWeights.ToImmutableDictionary());
        RequestGuard.ThrowIfAny(StoragePoolValidator.Validate(pool));
        return await actors.Ask(actors.Storage, new DefinePool(pool), context.CancellationToken) switch
        {
            StorageApplied => ToProto(pool),
            StorageRefused r => throw RpcErrors.FailedPrecondition(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<ListStoragePoolsResponse> ListPools(ListStoragePoolsRequest request, ServerCallContext context)
    {
        var response = new ListStoragePoolsResponse();
        response.Pools.AddRange((await TableAsync(context)).Pools.Values.OrderBy(p => p.Id, StringComparer.Ordinal).Select(ToProto));
        return response;
    }

    public override async Task<ListAllocationsResponse> ListAllocations(ListAllocationsRequest request, ServerCallContext context)
    {
        var pool = request.PoolId?.Trim() ?? "";
        var visible = await VisibleVmsAsync(context);
        var response = new ListAllocationsResponse();
        response.Allocations.AddRange((await TableAsync(context)).Allocations.Values
            .Where(a => (pool.Length == 0 || a.PoolId == pool) && (visible is null || visible.Contains(a.VmId)))
            .OrderBy(a => a.PoolId, StringComparer.Ordinal).ThenBy(a => a.DatastoreId, StringComparer.Ordinal).ThenBy(a => a.VmId, StringComparer.Ordinal)
            .Select(a => new StorageAllocation
            {
                VmId = a.VmId, PoolId = a.PoolId, DatastoreId = a.DatastoreId, Gib = a.Gib, UsedGib = a.Member.UsedGib,
                Role = a.Member.Role ?? "", HostId = a.HostId,
            }));
        return response;
    }

    public override async Task<ListAllocationChangesResponse> ListChanges(ListAllocationChangesRequest request, ServerCallContext context)
    {
        var limit = request.Limit is > 0 and <= AllocationTable.ChangesKept ? request.Limit : 100;
        var visible = await VisibleVmsAsync(context);
        var response = new ListAllocationChangesResponse();
        response.Changes.AddRange((await TableAsync(context)).Changes.Where(c => visible is null || visible.Contains(c.VmId)).TakeLast(limit).Select(c => new V1.AllocationChange
        {
            At = Timestamp.FromDateTimeOffset(c.At), VmId = c.VmId, PoolId = c.PoolId, DatastoreId = c.DatastoreId,
            FromGib = c.FromGib, ToGib = c.ToGib, Why = c.Why,
        }));
        return response;
    }

    /// <summary>The VMs a caller who sees only its own has; null for one who sees every VM.</summary>
    private async Task<HashSet<string>?> VisibleVmsAsync(ServerCallContext context)
    {
        if (AccessCheck.SeesEverything(context)) return null;
        var caller = AccessCheck.Caller(context);
        var vms = (IReadOnlyList<VmRecord>)await actors.Ask(actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(null)), context.CancellationToken);
        return vms.Where(v => Ownership.Permits(caller, v.Owner)).Select(v => v.VmId).ToHashSet(StringComparer.Ordinal);
    }

    public override async Task<RebalanceStorageResponse> Rebalance(RebalanceStorageRequest request, ServerCallContext context)
    {
        var pool = RequestGuard.Id(request.PoolId, "poolId", "list the pools with `ccm storage pools`");
        if (!(await TableAsync(context)).Pools.ContainsKey(pool)) throw RpcErrors.NotFound($"no storage pool '{pool}'; list them with `ccm storage pools`");
        return await actors.Ask(actors.Storage, new RebalancePool(pool), context.CancellationToken) switch
        {
            Rebalanced r => new RebalanceStorageResponse { Changed = r.Changed },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    private async Task<AllocationTable> TableAsync(ServerCallContext context) =>
        ((TableStatus)await actors.Ask(actors.Storage, new GetTable(), context.CancellationToken)).Table;

    private static T Parse<T>(string? value, string field, string choices) where T : struct, System.Enum =>
        System.Enum.TryParse<T>(value?.Trim(), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
            ? parsed
            : throw RpcErrors.InvalidArgument(field, $"'{Domain.Validation.HostnameRules.Printable(value ?? "")}' is not one of them", $"use {choices}");

    private static V1.StoragePool ToProto(DomainPool pool)
    {
        var proto = new V1.StoragePool
        {
            Id = pool.Id, Policy = pool.Policy.ToString().ToLowerInvariant(), OvercommitRatio = pool.OvercommitRatio, BaselineGib = pool.BaselineGib,
        };
        proto.RoleWeights.Add(pool.RoleWeights);
        proto.Datastores.AddRange(pool.Datastores.Select(d => new StorageDatastore
        {
            Id = d.Id, Kind = d.Kind.ToString().ToLowerInvariant(), Media = d.Media.ToString().ToLowerInvariant(), CapacityGib = d.CapacityGib, HostId = d.HostId ?? "",
        }));
        return proto;
    }
}
