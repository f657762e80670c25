using CloudController.Api.V1;
using Grpc.Core;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.Cli.Tests.Fakes;

// The generated server bases, answering from the fake fleet: just enough behaviour for ccm to have something real
// to render, and every request recorded for the tests to inspect.

public sealed class FakeHosts(FakeFleet fleet) : Hosts.HostsBase
{
    public override Task<ListHostsResponse> ListHosts(ListHostsRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListHostsResponse { Hosts = { fleet.Hosts } }));

    public override Task<Host> GetHost(GetHostRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Hosts.FirstOrDefault(h => h.Id == request.Id) ?? throw NotFound("host", request.Id)));

    public override Task<Host> SetHostState(SetHostStateRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Hosts.FirstOrDefault(h => h.Id == request.Id) ?? throw NotFound("host", request.Id)));

    public override Task<JoinTokenResponse> CreateJoinToken(CreateJoinTokenRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new JoinTokenResponse { Token = "ccj_fake", Name = request.Name }));

    public override Task<JoinedHostAgent> RemoveAgent(RemoveAgentRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new JoinedHostAgent { Name = request.Name, JoinedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) }));

    internal static RpcException NotFound(string what, string id) => new(new Status(StatusCode.NotFound, $"{what} {id} not found"));
}

public sealed class FakeCatalog(FakeFleet fleet) : Catalog.CatalogBase
{
    public override Task<ModelVm> AddModel(AddModelRequest request, ServerCallContext context) => Task.FromResult(fleet.Answer(request, () =>
    {
        var model = new ModelVm
        {
            Name = request.Name, Os = request.Os, Apps = { request.Apps }, Hardware = request.Hardware, Minimum = request.Minimum,
            DiskImage = request.DiskImage, ServicePack = request.ServicePack, Users = { request.Users },
        };
        fleet.Models.Add(model);
        return model;
    }));

    public override Task<ModelVm> GetModel(GetModelRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Models.FirstOrDefault(m => m.Name == request.Name) ?? throw FakeHosts.NotFound("model", request.Name)));

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListModelsResponse { Models = { fleet.Models } }));

    public override Task<RemoveModelResponse> RemoveModel(RemoveModelRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Models.RemoveAll(m => m.Name == request.Name) > 0
            ? new RemoveModelResponse()
            : throw FakeHosts.NotFound("model", request.Name)));

    public override Task<InstantImage> CaptureInstantImage(CaptureInstantImageRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new InstantImage
        {
            Name = request.Name, Model = "ubuntu", HardwareClass = "general", SourceHostId = "sim-host-01", SourceVmId = request.VmId,
            Hardware = FakeFleet.Size(2, 4096, 40),
        }));

    public override Task<ListInstantImagesResponse> ListInstantImages(ListInstantImagesRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListInstantImagesResponse { Images = { fleet.Images } }));

    public override Task<RemoveInstantImageResponse> RemoveInstantImage(RemoveInstantImageRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new RemoveInstantImageResponse { SourceVmId = "vm-1" }));
}

public sealed class FakeProvisioning(FakeFleet fleet) : Provisioning.ProvisioningBase
{
    public override Task<ProvisionResponse> Provision(ProvisionRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ProvisionResponse { TaskId = "task-1", VmId = "vm-1" }));

    public override Task<TaskStatus> GetTask(GetTaskRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.UpdatesOf(request.TaskId)[^1]));

    public override async Task WatchTask(WatchTaskRequest request, IServerStreamWriter<TaskStatus> responseStream, ServerCallContext context)
    {
        foreach (var update in fleet.Answer(request, () => fleet.UpdatesOf(request.TaskId)))
            await responseStream.WriteAsync(update, context.CancellationToken);
        if (fleet.StreamsStayOpen) await Task.Delay(Timeout.Infinite, context.CancellationToken);
    }

    public override Task<TaskStatus> AbortTask(AbortTaskRequest request, ServerCallContext context) => Task.FromResult(fleet.Answer(request, () =>
    {
        var aborting = fleet.UpdatesOf(request.TaskId)[^1].Clone();
        aborting.State = TaskState.RollingBack;
        return aborting;
    }));
}

public sealed class FakeVms(FakeFleet fleet) : Vms.VmsBase
{
    public override Task<ListVmsResponse> ListVms(ListVmsRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListVmsResponse
        {
            Vms = { fleet.Vms.Where(v => request.HostId.Length == 0 || v.HostId == request.HostId) },
        }));

    public override Task<Vm> GetVm(GetVmRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Vms.FirstOrDefault(v => v.Id == request.Id) ?? throw FakeHosts.NotFound("VM", request.Id)));

    public override Task<DeleteVmResponse> DeleteVm(DeleteVmRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => fleet.Vms.Any(v => v.Id == request.Id)
            ? new DeleteVmResponse { TaskId = "task-2" }
            : throw FakeHosts.NotFound("VM", request.Id)));
}

public sealed class FakeAdvisor(FakeFleet fleet) : Advisor.AdvisorBase
{
    public override Task<ListOsesResponse> ListOses(ListOsesRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListOsesResponse
        {
            Oses = { new Os { Name = "ubuntu-24.04", Family = "linux", Minimum = FakeFleet.Size(1, 1024, 10), Headroom = 1.5 } },
        }));

    public override Task<ListAppsResponse> ListApps(ListAppsRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListAppsResponse()));

    public override Task<ListProfilesResponse> ListProfiles(ListProfilesRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListProfilesResponse()));

    public override Task<ListGoalsResponse> ListGoals(ListGoalsRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ListGoalsResponse()));

    public override Task<Os> DefineOs(Os request, ServerCallContext context) => Task.FromResult(fleet.Answer(request, () => request));

    public override Task<App> DefineApp(App request, ServerCallContext context) => Task.FromResult(fleet.Answer(request, () => request));

    public override Task<HardwareProfile> DefineProfile(HardwareProfile request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => request));

    public override Task<RemoveCatalogEntryResponse> RemoveCatalogEntry(RemoveCatalogEntryRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new RemoveCatalogEntryResponse()));

    public override Task<CheckBuildResponse> CheckBuild(CheckBuildRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new CheckBuildResponse
        {
            Passes = true, Requested = request.Hardware, Minimum = FakeFleet.Size(1, 1024, 10), Recommended = FakeFleet.Size(2, 2048, 20),
        }));

    public override Task<ExplainPlacementResponse> ExplainPlacement(ExplainPlacementRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new ExplainPlacementResponse
        {
            Found = true, Candidates = { "sim-host-01" }, Explanation = "most free memory", HostsConsidered = 2,
            Rejections = { new HostRejection { HostId = "sim-host-02", Filter = "HostState", Reason = "draining" } },
        }));
}

public sealed class FakeUsage(FakeFleet fleet) : Usage.UsageBase
{
    public override Task<UsageReport> GetUsage(GetUsageRequest request, ServerCallContext context) =>
        Task.FromResult(fleet.Answer(request, () => new UsageReport
        {
            From = FakeFleet.At(0), To = FakeFleet.At(3600), SampledAt = FakeFleet.At(3590),
            Owners =
            {
                new OwnerUsage
                {
                    Owner = "alice", VmsStarted = 3, VmHours = 12.5, CoreHours = 25, MemoryGibHours = 50, DiskGibHours = 500, VmsHeld = 2,
                    Held = FakeFleet.Size(4, 8192, 80),
                },
                new OwnerUsage { Owner = "", VmHours = 1.0 / 3, CoreHours = 2.0 / 3, MemoryGibHours = 4.0 / 3, DiskGibHours = 40.0 / 3, Held = FakeFleet.Size(0, 0, 0) },
            },
        }));
}
