using System.Collections.Immutable;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Provisioning;
using Grpc.Core;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using DomainModel = CloudController.Domain.Catalog.ModelVm;

namespace CloudController.Api.Services;

public sealed class CatalogService(ControllerActors actors) : Catalog.CatalogBase
{
    private const string FindModels = "list the models with `ccm models list`";

    public override async Task<ModelVm> AddModel(AddModelRequest request, ServerCallContext context)
    {
        var model = new DomainModel(
            request.Name?.Trim() ?? "",
            request.Os?.Trim() ?? "",
            request.Apps.Select(a => a.Trim()).ToImmutableArray(),
            request.Hardware.ToDomain(),
            request.Minimum.ToDomain(),
            request.DiskImage?.Trim() ?? "",
            DateTimeOffset.UtcNow,
            request.Identity.ToDomain());
        RequestGuard.ThrowIfAny(ProvisionRequestValidator.ValidateModel(model));

        return await actors.Ask(actors.Models, new RegisterModel(model), context.CancellationToken) switch
        {
            ModelStatus s => s.Model.ToProto(),
            ModelRefused r => throw RpcErrors.AlreadyExists(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<ModelVm> GetModel(GetModelRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindModels);
        return await actors.Ask(actors.Models, new GetModel(name), context.CancellationToken) switch
        {
            ModelStatus s => s.Model.ToProto(),
            ModelNotFound => throw RpcErrors.NotFound($"no model named '{name}'; {FindModels}"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var models = (IReadOnlyList<DomainModel>)await actors.Ask(
            actors.ModelDirectory, new ProjectionQuery<ModelDirectory>(d => d.List()), context.CancellationToken);
        var response = new ListModelsResponse();
        response.Models.AddRange(models.Select(m => m.ToProto()));
        return response;
    }

    public override async Task<RemoveModelResponse> RemoveModel(RemoveModelRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindModels);
        return await actors.Ask(actors.Models, new RemoveModel(name), context.CancellationToken) switch
        {
            ModelRemovedReply => new RemoveModelResponse(),
            ModelNotFound => throw RpcErrors.NotFound($"no model named '{name}'; {FindModels}"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
