using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Access;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using Grpc.Core;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Api.Services;

public sealed class VmsService(ControllerActors actors) : V1.Vms.VmsBase
{
    private const string FindVms = "list the VMs with `ccm vm list`";

    public override async Task<ListVmsResponse> ListVms(ListVmsRequest request, ServerCallContext context)
    {
        var hostId = request.HostId?.Trim();
        var vms = (IReadOnlyList<VmRecord>)await actors.Ask(
            actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(hostId)), context.CancellationToken);
        var caller = AccessCheck.Caller(context);
        var response = new ListVmsResponse();
        response.Vms.AddRange(vms.Where(v => Ownership.Permits(caller, v.Owner)).Select(v => v.ToProto()));
        return response;
    }

    public override async Task<V1.Vm> GetVm(GetVmRequest request, ServerCallContext context) =>
        (await GetRecordAsync(request.Id, context)).ToProto();

    public override async Task<DeleteVmResponse> DeleteVm(DeleteVmRequest request, ServerCallContext context)
    {
        var vm = await GetRecordAsync(request.Id, context);
        switch (vm.State)
        {
            case VmState.Deleting:
                // Deleting twice is deleting once: answer with the task already doing it.
                return new DeleteVmResponse { TaskId = vm.TaskId };
            case VmState.InstantImage:
                throw RpcErrors.FailedPrecondition(
                    $"VM {vm.VmId} is the source of instant image {vm.InstantImageName}; remove the image first with `ccm instant remove {vm.InstantImageName}`");
            case VmState.Provisioning:
                throw RpcErrors.FailedPrecondition(
                    $"VM {vm.VmId} is still being provisioned by task {vm.TaskId}; abort that task with `ccm task abort {vm.TaskId}`");
        }
        var taskId = ResourceIds.NewTaskId();
        var start = new StartTask(taskId, TaskKind.Delete, vm, "", 0, RequestedBy: AccessCheck.Caller(context)?.Name);
        return await actors.Ask(actors.Tasks, start, context.CancellationToken) switch
        {
            ProvisioningTaskStatus => new DeleteVmResponse { TaskId = taskId },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<MigrateVmResponse> MigrateVm(MigrateVmRequest request, ServerCallContext context)
    {
        var vm = await GetRecordAsync(request.Id, context);
        var target = string.IsNullOrWhiteSpace(request.TargetHostId) ? null : RequestGuard.Id(request.TargetHostId, "targetHostId", "list the hosts with `ccm hosts list`");
        if (target is not null && target == vm.HostId)
            throw RpcErrors.InvalidArgument("targetHostId", $"VM {vm.VmId} already runs on {target}", "name another host, or leave it empty to let placement choose");
        if (vm.State != VmState.Running)
            throw RpcErrors.FailedPrecondition(vm.State == VmState.InstantImage
                ? $"VM {vm.VmId} is the source of instant image {vm.InstantImageName} and stays where it is"
                : $"VM {vm.VmId} is {vm.State.ToString().ToLowerInvariant()} by task {vm.TaskId}; wait for `ccm task show {vm.TaskId}` to end");
        var taskId = ResourceIds.NewTaskId();
        return await actors.Ask(actors.Tasks, StartTask.Migration(taskId, vm, target, AccessCheck.Caller(context)?.Name), context.CancellationToken) switch
        {
            ProvisioningTaskStatus => new MigrateVmResponse { TaskId = taskId },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<VmConfig> SetVmConfig(SetVmConfigRequest request, ServerCallContext context)
    {
        var vm = await GetRecordAsync(request.Id, context);
        var set = request.Set.ToDictionary(s => s.Key, s => s.Value);
        var removed = request.Remove.ToList();
        RequestGuard.ThrowIfAny(ProvisioningDataValidator.Validate(vm.DataOrEmpty, set, removed));
        return await actors.Ask(actors.Vms, new ChangeData(vm.VmId, set, removed, AccessCheck.Caller(context)?.Name), context.CancellationToken) switch
        {
            VmApplied => ConfigOf(await GetRecordAsync(vm.VmId, context), showSecrets: false),
            VmRefused r => throw RpcErrors.FailedPrecondition(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<VmEvents> ListVmEvents(ListVmEventsRequest request, ServerCallContext context)
    {
        // Asked of the VM itself first: an unknown VM, or one not the caller's, is refused as every VM call refuses it.
        var vm = await GetRecordAsync(request.Id, context);
        var ofTasks = (IReadOnlyList<VmHistoryEntry>)await actors.Ask(
            actors.TaskDirectory, new ProjectionQuery<TaskDirectory>(d => d.Tasks.HistoryOf(vm.VmId)), context.CancellationToken);
        var ofRecord = (IReadOnlyList<VmHistoryEntry>)await actors.Ask(
            actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.HistoryOf(vm.VmId)), context.CancellationToken);
        var response = new VmEvents();
        response.Events.AddRange(VmHistory.Merge(ofTasks, ofRecord).Select(e => e.ToProto()));
        return response;
    }

    public override async Task<VmConfig> GetVmConfig(GetVmConfigRequest request, ServerCallContext context) =>
        ConfigOf(await GetRecordAsync(request.Id, context), request.ShowSecrets);

    private static VmConfig ConfigOf(VmRecord vm, bool showSecrets)
    {
        var data = vm.DataOrEmpty;
        var config = new VmConfig { Id = vm.VmId, DesiredGeneration = data.Generation, AppliedGeneration = vm.AppliedGeneration };
        config.Values.Add(showSecrets ? data.Values : data.Masked());
        if (vm.FailedKeys is { } failed) config.FailedKeys.Add(failed);
        return config;
    }

    /// <summary>The VM the call names, if it is the caller's to see and act on.</summary>
    private async Task<VmRecord> GetRecordAsync(string? rawId, ServerCallContext context)
    {
        var id = RequestGuard.Id(rawId, "id", FindVms);
        var vm = await actors.Ask(actors.Vms, new GetVm(id), context.CancellationToken) switch
        {
            VmStatus s => s.Record,
            VmNotFound => throw RpcErrors.NotFound($"no VM '{id}'; {FindVms}"),
            var other => throw RpcErrors.Unexpected(other),
        };
        AccessCheck.DemandOwnership(context, vm.Owner, $"VM {id}");
        return vm;
    }
}
