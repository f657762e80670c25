using Akka.Actor;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Catalog;
using CloudController.Domain.Validation;
using CloudController.Domain.Placement;
using CloudController.Domain.Vms;
using Grpc.Core;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

/// <summary>
/// The Provisioning service, one file per job: a single VM (clone, custom build or instant deploy) here; bulk naming
/// and addresses, networks, request planning and tasks beside it.
/// </summary>
public sealed partial class ProvisioningService(ControllerActors actors, ControllerSettings settings)
    : V1.Provisioning.ProvisioningBase
{
    public override async Task<ProvisionResponse> Provision(ProvisionRequest request, ServerCallContext context)
    {
        // Decided once for however many VMs the request makes.
        var owner = await AccessCheck.OwnerOfNewAsync(actors, context, request.Owner);
        return request.Count > 1 || request.IpRange.Length > 0
            ? await ProvisionManyAsync(request, owner, context)
            : await ProvisionOneAsync(request, owner, context);
    }

    private async Task<ProvisionResponse> ProvisionOneAsync(ProvisionRequest request, string? owner, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var hostname = request.Hostname?.Trim() ?? "";
        var overrides = request.Overrides.ToDomain();
        var model = request.Model?.Trim() ?? "";
        var os = request.Os?.Trim() ?? "";
        var instant = request.InstantImage?.Trim() ?? "";
        if (new[] { model, os, instant }.Count(x => x.Length > 0) > 1)
            throw RpcErrors.InvalidArgument("model", "a request names one of a model, an OS or an instant image",
                "use --model to clone, --os for a custom build, or --instant to resume an instant image");

        var (group, policy) = GroupOf(request);
        var data = DataOf(request);
        var requestedBy = AccessCheck.Caller(context)?.Name;
        if (instant.Length > 0) return await DeployInstantAsync(instant, hostname, group, policy, data, owner, requestedBy, ct);
        var (template, hardware, apps) = os.Length > 0
            ? await PlanCustomBuildAsync(os, request, hostname, overrides, ct)
            : await PlanCloneAsync(new DomainProvisioning.ProvisionRequest(model, hostname, overrides), ct);

        var taskId = ResourceIds.NewTaskId();
        var vmId = ResourceIds.NewVmId();
        // Clones come from the staged model, never the model itself: the VM gets its own identity.
        var staged = Staging.Stage(template).Model;
        var minimumMemory = MinimumMemoryOf(request, hardware, template);
        var vm = VmRecord.ToProvision(vmId, taskId, hostname, staged.Name, hardware, DateTimeOffset.UtcNow) with
        {
            Group = group, GroupPolicy = policy, MinimumMemoryMib = minimumMemory, DiskLayout = settings.Provisioning.DiskLayout, Data = data,
            StoragePool = await StoragePoolOf(request, ct), StorageRole = string.IsNullOrWhiteSpace(request.StorageRole) ? null : request.StorageRole.Trim(),
            Owner = owner,
        };

        // At its least memory: a host that could take only that may still be granted it.
        var placement = PlacementRequest.For(vm, staged.DiskImage);
        await EnsurePlaceableAsync(placement with { Amount = placement.Amount with { MemoryMib = minimumMemory ?? hardware.MemoryMib } }, ct);
        return await StartWithinQuotaAsync(new StartTask(taskId, DomainProvisioning.TaskKind.Provision, vm, staged.DiskImage, staged.Minimum.DiskGib, apps, RequestedBy: requestedBy), ct);
    }

    /// <summary>The storage pool the request names, checked to exist; null when it names none.</summary>
    private async Task<string?> StoragePoolOf(ProvisionRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.StoragePool)) return null;
        var pool = request.StoragePool.Trim();
        var table = ((Cluster.Storage.StorageProtocol.TableStatus)await actors.Ask(actors.Storage, new Cluster.Storage.StorageProtocol.GetTable(), ct)).Table;
        return table.Pools.ContainsKey(pool)
            ? pool
            : throw RpcErrors.InvalidArgument("storage_pool", $"there is no storage pool '{HostnameRules.Printable(pool)}'", "list them with `ccm storage pools`");
    }

    /// <summary>The request's provisioning data as the VM's first generation, checked like any change; null when none.</summary>
    private static ProvisioningData? DataOf(ProvisionRequest request)
    {
        if (request.Data.Count == 0) return null;
        var set = request.Data.ToDictionary(d => d.Key, d => d.Value);
        RequestGuard.ThrowIfAny(ProvisioningDataValidator.Validate(ProvisioningData.Empty, set, []));
        return ProvisioningData.Empty.With(set, []);
    }

    /// <summary>Instant deploy: the library's suspended image copied to a host of its hardware class and resumed.</summary>
    private async Task<ProvisionResponse> DeployInstantAsync(
        string name, string hostname, string? group, GroupPolicy policy, ProvisioningData? data, string? owner, string? requestedBy, CancellationToken ct)
    {
        if (HostnameRules.NameProblem(hostname) is { } problem)
            throw RpcErrors.InvalidArgument("hostname", $"'{HostnameRules.Printable(hostname)}' {problem}", "use letters, digits and '-', e.g. 'web-01'");
        var image = RequestGuard.IsPlausibleId(name)
            ? await actors.Ask(actors.InstantImages, new InstantImageProtocol.GetImage(name), ct) switch
            {
                InstantImageProtocol.ImageStatus s => s.Image,
                InstantImageProtocol.ImageNotFound => null,
                var other => throw RpcErrors.Unexpected(other),
            }
            : null;
        if (image is null)
            throw RpcErrors.InvalidArgument("instant_image", $"no instant image named '{HostnameRules.Printable(name)}'", "list the library with `ccm instant list`");

        var taskId = ResourceIds.NewTaskId();
        var vmId = ResourceIds.NewVmId();
        var vm = VmRecord.ToProvision(vmId, taskId, hostname, image.Model, image.Hardware, DateTimeOffset.UtcNow) with
        {
            Group = group, GroupPolicy = policy, Data = data, Owner = owner,
        };
        await EnsurePlaceableAsync(PlacementRequest.For(vm, image.BaseImage, image), ct);
        return await StartWithinQuotaAsync(new StartTask(taskId, DomainProvisioning.TaskKind.InstantDeploy, vm, image.BaseImage, image.BaseImageGib, Instant: image, RequestedBy: requestedBy), ct);
    }

    /// <summary>
    /// The pre-flight check: fails fast when no host could ever take the VM; a host that fills up meanwhile is the
    /// task's to handle.
    /// </summary>
    private async Task EnsurePlaceableAsync(PlacementRequest placement, CancellationToken ct)
    {
        var decision = await actors.FleetView.Ask<PlacementDecision>(new FleetViewProtocol.Place(placement), actors.AskTimeout, ct);
        if (!decision.Found) throw RpcErrors.ResourceExhausted(PlacementExplanation.Explain(decision, placement));
    }
}
