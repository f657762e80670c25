using System.Collections.Immutable;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Provisioning;
using Grpc.Core;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.Fleet;
using CloudController.Domain.Validation;
using CloudController.Domain.Vms;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Images;
using Akka.Actor;
using DomainInstantImage = CloudController.Domain.Catalog.InstantImage;
using DomainImageSource = CloudController.Domain.Catalog.ImageSource;
using DomainModel = CloudController.Domain.Catalog.ModelVm;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Api.Services;

public sealed class CatalogService(ControllerActors actors, IHypervisorDriver driver, ImageStore images) : Catalog.CatalogBase
{
    private const string FindModels = "list the models with `ccm models list`";

    public override async Task<ModelVm> AddModel(AddModelRequest request, ServerCallContext context)
    {
        var (source, sourceErrors) = DomainImageSource.Parse(request.ImageUrl ?? "", request.ImageSha256 ?? "", request.ImageSha512 ?? "");
        var model = new DomainModel(
            request.Name?.Trim() ?? "",
            request.Os?.Trim() ?? "",
            request.Apps.Select(a => a.Trim()).ToImmutableArray(),
            request.Hardware.ToDomain(),
            request.Minimum.ToDomain(),
            request.DiskImage?.Trim() ?? "",
            DateTimeOffset.UtcNow,
            request.Identity.ToDomain(),
            request.ServicePack?.Trim() ?? "",
            request.Users.Select(u => u.Trim()).ToImmutableArray(),
            source);
        RequestGuard.ThrowIfAny([.. ProvisionRequestValidator.ValidateModel(model), .. sourceErrors]);
        if (source is null) return await RegisterAsync(model, context.CancellationToken);

        // A name taken by another model is refused before gigabytes are fetched for it.
        if (await actors.Ask(actors.Models, new GetModel(model.Name), context.CancellationToken) is ModelStatus existing && !existing.Model.SameDefinitionAs(model))
            throw RpcErrors.AlreadyExists($"a different model named '{model.Name}' is already registered; remove it first or choose another name");
        bool fetched;
        try
        {
            fetched = await images.ImportAsync(model.DiskImage, source, context.CancellationToken);
        }
        catch (ImageImportException e)
        {
            throw RpcErrors.InvalidArgument([e.Error]);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The node's side failed (a full disk, no qemu-img), not the request.
            throw RpcErrors.FailedPrecondition($"this node's image store ({images.Directory}) could not take the image: {e.Message}; nothing was registered");
        }
        try
        {
            return await RegisterAsync(model, context.CancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && fetched)
        {
            // Refused, so no model uses it: the store is as it was before the call. (After a timeout the model may
            // yet be registered, so the checked image stays; a retry finds it and fetches nothing.)
            images.Remove(model.DiskImage);
            throw;
        }
    }

    private async Task<ModelVm> RegisterAsync(DomainModel model, CancellationToken ct) =>
        await actors.Ask(actors.Models, new RegisterModel(model), ct) switch
        {
            ModelStatus s => s.Model.ToProto(),
            ModelRefused r => throw RpcErrors.AlreadyExists(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };

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

    public override async Task<V1.InstantImage> CaptureInstantImage(CaptureInstantImageRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var name = request.Name?.Trim() ?? "";
        if (HostnameRules.CatalogNameProblem(name) is { } problem)
            throw RpcErrors.InvalidArgument("name", $"'{HostnameRules.Printable(name)}' {problem}", "use lower-case letters, digits and '-'");
        var vmId = RequestGuard.Id(request.VmId, "vm_id", "list the VMs with `ccm vm list`");
        var vm = await actors.Ask(actors.Vms, new VmProtocol.GetVm(vmId), ct) switch
        {
            VmProtocol.VmStatus s => s.Record,
            VmProtocol.VmNotFound => throw RpcErrors.NotFound($"no VM '{vmId}'; list the VMs with `ccm vm list`"),
            var other => throw RpcErrors.Unexpected(other),
        };
        Access.AccessCheck.DemandOwnership(context, vm.Owner, $"VM {vmId}");
        if (vm is not { State: VmState.Running, HostId: { } hostId })
            throw RpcErrors.FailedPrecondition($"VM {vmId} is {vm.State}; only a running VM can be captured");
        var model = await actors.Ask(actors.Models, new GetModel(vm.Model), ct) as ModelStatus
                    ?? throw RpcErrors.FailedPrecondition($"the VM's model '{vm.Model}' is no longer in the catalog");
        var host = (await actors.FleetView.Ask<FleetViewProtocol.Hosts>(new FleetViewProtocol.ListHosts(), actors.AskTimeout, ct))
            .Snapshots.FirstOrDefault(h => h.HostId == hostId)
            ?? throw RpcErrors.Unavailable($"host {hostId} has not reported to this node yet; retry");

        // The record first, so that nothing deletes the VM while it becomes the image's source; undone on failure.
        await AskVmAsync(new VmProtocol.CaptureAsImage(vmId, name), ct);
        try
        {
            await driver.SuspendAsync(hostId, vmId, ct);
        }
        catch (HypervisorException e)
        {
            await AskVmAsync(new VmProtocol.ReleaseFromLibrary(vmId, name), CancellationToken.None);
            throw RpcErrors.FailedPrecondition($"VM {vmId} could not be suspended: {e.Message}");
        }
        var image = new DomainInstantImage(name, vm.Model, host.HardwareClass, hostId, vmId, vm.Hardware,
            model.Model.DiskImage, model.Model.Minimum.DiskGib, DateTimeOffset.UtcNow);
        var reply = await actors.Ask(actors.InstantImages, new InstantImageProtocol.RegisterImage(image), CancellationToken.None);
        if (reply is InstantImageProtocol.ImageStatus registered) return registered.Image.ToProto();

        // Not registered: the VM goes back to running, as if nothing had happened.
        await driver.ResumeAsync(hostId, vmId, CancellationToken.None);
        await AskVmAsync(new VmProtocol.ReleaseFromLibrary(vmId, name), CancellationToken.None);
        throw reply is InstantImageProtocol.ImageRefused refused ? RpcErrors.AlreadyExists(refused.Reason) : RpcErrors.Unexpected(reply);
    }

    public override async Task<RemoveInstantImageResponse> RemoveInstantImage(RemoveInstantImageRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", "list the library with `ccm instant list`");
        var image = await actors.Ask(actors.InstantImages, new InstantImageProtocol.RemoveImage(name), context.CancellationToken) switch
        {
            InstantImageProtocol.ImageApplied removed => removed.Image,
            InstantImageProtocol.ImageNotFound => throw RpcErrors.NotFound($"no instant image '{name}'; list the library with `ccm instant list`"),
            var other => throw RpcErrors.Unexpected(other),
        };
        // The image is gone from the library: its source returns to service.
        await driver.ResumeAsync(image.SourceHostId, image.SourceVmId, CancellationToken.None);
        await AskVmAsync(new VmProtocol.ReleaseFromLibrary(image.SourceVmId, name), CancellationToken.None);
        return new RemoveInstantImageResponse { SourceVmId = image.SourceVmId };
    }

    private async Task AskVmAsync(VmProtocol.IVmCommand command, CancellationToken ct)
    {
        switch (await actors.Ask(actors.Vms, command, ct))
        {
            case VmProtocol.VmApplied:
                return;
            case VmProtocol.VmRefused r:
                throw RpcErrors.FailedPrecondition(r.Reason);
            case var other:
                throw RpcErrors.Unexpected(other);
        }
    }

    public override async Task<ListInstantImagesResponse> ListInstantImages(ListInstantImagesRequest request, ServerCallContext context)
    {
        var images = (IReadOnlyList<DomainInstantImage>)await actors.Ask(
            actors.InstantImageDirectory, new ProjectionQuery<InstantImageDirectory>(d => d.List()), context.CancellationToken);
        var response = new ListInstantImagesResponse();
        response.Images.AddRange(images.Select(i => i.ToProto()));
        return response;
    }

    public override async Task<RemoveModelResponse> RemoveModel(RemoveModelRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", FindModels);
        return await actors.Ask(actors.Models, new RemoveModel(name), context.CancellationToken) switch
        {
            ModelApplied => new RemoveModelResponse(),
            ModelNotFound => throw RpcErrors.NotFound($"no model named '{name}'; {FindModels}"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
