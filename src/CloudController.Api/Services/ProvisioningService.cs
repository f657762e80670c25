using System.Threading.Channels;
using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Api.Watching;
using CloudController.Cluster.Fleet;
using CloudController.Domain.Catalog;
using CloudController.Domain.Placement;
using CloudController.Domain.Vms;
using Grpc.Core;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using Domain = CloudController.Domain;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

public sealed class ProvisioningService(ControllerActors actors) : V1.Provisioning.ProvisioningBase
{
    private const string FindTasks = "use the task id that `ccm vm provision` printed";

    public override async Task<ProvisionResponse> Provision(ProvisionRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var domainRequest = new DomainProvisioning.ProvisionRequest(
            request.Model?.Trim() ?? "", request.Hostname?.Trim() ?? "", request.Overrides.ToDomain());

        Domain.Catalog.ModelVm? model = null;
        if (domainRequest.Model.Length > 0 && RequestGuard.IsPlausibleId(domainRequest.Model))
        {
            model = await actors.Ask(actors.Models, new GetModel(domainRequest.Model), ct) switch
            {
                ModelStatus s => s.Model,
                ModelNotFound => null,
                var other => throw RpcErrors.Unexpected(other),
            };
        }
        RequestGuard.ThrowIfAny(DomainProvisioning.ProvisionRequestValidator.Validate(domainRequest, model));
        var hardware = domainRequest.Overrides.ApplyTo(model!.Hardware);

        // Fail fast when no host could ever take it; a host that fills up meanwhile is handled by the task.
        var decision = await actors.FleetView.Ask<PlacementDecision>(
            new FleetViewProtocol.Place(PlacementRequest.For(hardware)), actors.AskTimeout, ct);
        if (!decision.Found) throw RpcErrors.ResourceExhausted(PlacementExplanation.Explain(decision, PlacementRequest.For(hardware)));

        var taskId = ResourceIds.NewTaskId();
        var vmId = ResourceIds.NewVmId();
        // Clones come from the staged model, never the model itself: the VM gets its own identity.
        var staged = Staging.Stage(model).Model;
        var vm = new VmRecord(vmId, domainRequest.Hostname, staged.Name, hardware, VmState.Provisioning,
            null, $"{vmId}-disk", taskId, DateTimeOffset.UtcNow, VmIdentity.Assign(domainRequest.Hostname));
        var start = new StartTask(taskId, DomainProvisioning.TaskKind.Provision, vm, staged.DiskImage, staged.Minimum.DiskGib);
        return await actors.Ask(actors.Tasks, start, ct) switch
        {
            TaskReport => new ProvisionResponse { TaskId = taskId, VmId = vmId },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<V1.TaskStatus> GetTask(GetTaskRequest request, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        return await actors.Ask(actors.Tasks, new GetTask(id), context.CancellationToken) switch
        {
            TaskReport s => s.Task.ToProto(),
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task WatchTask(WatchTaskRequest request, IServerStreamWriter<V1.TaskStatus> responseStream, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        var channel = Channel.CreateUnbounded<DomainProvisioning.ProvisioningTask>(new UnboundedChannelOptions { SingleReader = true });
        var watcher = actors.System.ActorOf(TaskWatcher.Props(id, actors.Tasks, channel.Writer, TimeSpan.FromSeconds(2)));
        try
        {
            await foreach (var task in channel.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(task.ToProto(), context.CancellationToken);
            }
        }
        catch (KeyNotFoundException)
        {
            throw RpcErrors.NotFound($"no task '{id}'");
        }
        finally
        {
            actors.System.Stop(watcher);
        }
    }

    public override async Task<V1.TaskStatus> AbortTask(AbortTaskRequest request, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "requested by operator" : request.Reason.Trim();
        if (reason.Length > 500) throw RpcErrors.InvalidArgument("reason", $"is {reason.Length} characters long", "keep it under 500 characters");
        return await actors.Ask(actors.Tasks, new AbortTask(id, reason), context.CancellationToken) switch
        {
            TaskReport s => s.Task.ToProto(),
            AbortRefused r => throw RpcErrors.FailedPrecondition($"task {id} cannot be aborted: {r.Reason}"),
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
