using System.Threading.Channels;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Api.Watching;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Vms;
using Grpc.Core;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

/// <summary>Tasks: read, watch and abort, each only for the caller whose VM it is.</summary>
public sealed partial class ProvisioningService
{
    private const string FindTasks = "use the task id that `ccm vm provision` printed";

    public override async Task<V1.TaskStatus> GetTask(GetTaskRequest request, ServerCallContext context) =>
        (await GetOwnTaskAsync(RequestGuard.Id(request.TaskId, "task_id", FindTasks), context)).ToProto();

    /// <summary>The task, if its VM is the caller's to see and act on.</summary>
    private async Task<DomainProvisioning.ProvisioningTask> GetOwnTaskAsync(string id, ServerCallContext context)
    {
        var task = await actors.Ask(actors.Tasks, new GetTask(id), context.CancellationToken) switch
        {
            ProvisioningTaskStatus s => s.Task,
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
        AccessCheck.DemandOwnership(context, task.Vm.Owner, $"task {id}");
        return task;
    }

    private const int MaxListedTasks = 1000;

    public override async Task<ListTasksResponse> ListTasks(ListTasksRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > MaxListedTasks)
            throw RpcErrors.InvalidArgument("limit", $"is {request.Limit}", $"ask for 1 to {MaxListedTasks} tasks, or 0 for {MaxListedTasks}");
        var (filter, errors) = DomainProvisioning.TaskFilter.Parse(request.State, request.Kind, request.Host, request.Owner, RequestGuard.Time(request.Since, "since"));
        RequestGuard.ThrowIfAny(errors);
        var caller = AccessCheck.Caller(context);
        var limit = request.Limit == 0 ? MaxListedTasks : request.Limit;
        var tasks = (IReadOnlyList<DomainProvisioning.TaskSummary>)await actors.Ask(
            actors.TaskDirectory, new ProjectionQuery<TaskDirectory>(d => d.Tasks.List(caller, filter!, limit)), context.CancellationToken);
        var response = new ListTasksResponse();
        response.Tasks.AddRange(tasks.Select(t => t.ToProto()));
        return response;
    }

    public override async Task WatchTask(WatchTaskRequest request, IServerStreamWriter<V1.TaskStatus> responseStream, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        if (!AccessCheck.SeesEverything(context)) await GetOwnTaskAsync(id, context);
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
        if (!AccessCheck.SeesEverything(context)) await GetOwnTaskAsync(id, context);
        return await actors.Ask(actors.Tasks, new AbortTask(id, reason), context.CancellationToken) switch
        {
            ProvisioningTaskStatus s => s.Task.ToProto(),
            AbortRefused r => throw RpcErrors.FailedPrecondition($"task {id} cannot be aborted: {r.Reason}"),
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
