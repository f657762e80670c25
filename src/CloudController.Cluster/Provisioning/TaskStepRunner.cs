using Akka.Actor;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.KeyPool;
using System.Collections.Immutable;
using System.Text.Json;
using CloudController.Domain.Catalog;
using CloudController.Domain.Disks;
using CloudController.Domain.Placement;
using CloudController.Domain.Vms;
using CloudController.Domain.Provisioning;
using CloudController.Hypervisor;
using CloudController.Cluster.Storage;
using CloudController.Cluster.Vms;
using CloudController.Domain.Storage;
using HostProtocol = CloudController.Cluster.Hosts.HostProtocol;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Provisioning;

/// <summary>The outcome of a step: done, or (placing only) the chosen host refused the reservation.</summary>
public sealed record StepOutcome(string? HostRefusal)
{
    public static readonly StepOutcome Done = new((string?)null);
}

/// <summary>A step failed in a way that retrying the same step cannot fix.</summary>
public sealed class StepFailedException(string message) : Exception(message);

/// <summary>
/// Performs the side effects of each task step and of its undo: driver calls and commands to other entities. Every
/// step and undo is idempotent, so the task may repeat any of them after a crash. Kept out of the actor so that the
/// actor is only the persistent state machine.
/// </summary>
public sealed class TaskStepRunner(
    IHypervisorDriver driver,
    GuestChannel channel,
    IActorRef hosts,
    IActorRef vms,
    IActorRef fleetView,
    IActorRef storage,
    IActorRef keyPools,
    ControllerSettings settings)
{
    public TaskWorkArea WorkArea { get; } = new(settings.Provisioning.WorkDirectory);

    /// <summary>Runs placement; a VM with a memory minimum may be granted less than it asked, never below the minimum.</summary>
    /// <param name="onlyHost">The one host the operator named (a migration's target), if any.</param>
    public async Task<FleetViewProtocol.FlexiblePlacement> ChooseHostAsync(PlacementRequest request, long? minimumMemoryMib, string? onlyHost = null)
    {
        if (minimumMemoryMib is { } minimum)
            return await fleetView.Ask<FleetViewProtocol.FlexiblePlacement>(new FleetViewProtocol.PlaceFlexibly(request, minimum), settings.Entities.AskTimeout);
        // A named host that fits but is not among the best few is still a candidate: ask for every fitting host then.
        var decision = await fleetView.Ask<PlacementDecision>(
            new FleetViewProtocol.Place(request, onlyHost is null ? 5 : int.MaxValue), settings.Entities.AskTimeout);
        return new FleetViewProtocol.FlexiblePlacement(onlyHost is null ? decision : decision.RestrictTo(onlyHost), request.Amount.MemoryMib);
    }

    public async Task<StepOutcome> ExecuteAsync(ProvisioningTask task, TaskStep step, CancellationToken ct)
    {
        var vm = task.Vm;
        var host = task.HostId;
        switch (step)
        {
            case TaskStep.RecordingVm:
                WriteWorkArea(task);
                await AskVm(new VmProtocol.CreateVm(vm), ct);
                return StepOutcome.Done;
            case TaskStep.Placing:
                var lease = DateTimeOffset.UtcNow + settings.Provisioning.ReservationLease;
                var reply = await AskEntity(hosts,
                    new HostProtocol.Reserve(HostOf(task), task.TaskId, vm.Hardware, lease, vm.Group, vm.GroupPolicy == GroupPolicy.AntiAffinity), ct);
                if (reply is HostProtocol.HostRefused r) return new StepOutcome(r.Reason);
                if (reply is not HostProtocol.HostApplied) throw new StepFailedException($"unexpected reply from host {host}: {reply}");
                if (vm.StoragePool is not { } pool) return StepOutcome.Done;
                // Its storage is part of its place: a host whose datastores cannot give it its share is refused like a full one.
                var member = new StorageMember(vm.VmId, vm.Hardware.DiskGib, vm.StorageRole);
                var allocated = await AskEntity(storage, new StorageProtocol.Allocate(pool, HostOf(task), member, task.BaseImage, task.BaseImageGib), ct);
                if (allocated is StorageProtocol.StorageApplied) return StepOutcome.Done;
                await AskHost(new HostProtocol.ReleaseReservation(HostOf(task), task.TaskId, "its storage did not fit"), ct);
                return new StepOutcome(allocated is StorageProtocol.StorageRefused refused ? $"storage: {refused.Reason}" : $"storage: {allocated}");
            case TaskStep.CloningDisk:
                var datastore = await DatastoreOfAsync(vm, ct);
                foreach (var action in DiskPlanOf(task))
                {
                    await (action switch
                    {
                        DiskAction.Link link => driver.EnsureBaseLayerAsync(HostOf(task), new BaseLayerSpec(link.LayerId, task.BaseImage, task.BaseImageGib, Shared: true), ct),
                        DiskAction.CopyToHost copy => driver.EnsureBaseLayerAsync(HostOf(task), new BaseLayerSpec(copy.LocalLayerId, task.BaseImage, task.BaseImageGib), ct),
                        DiskAction.Flatten flat => driver.EnsureBaseLayerAsync(HostOf(task), new BaseLayerSpec(flat.LocalLayerId, task.BaseImage, task.BaseImageGib), ct),
                        DiskAction.CreateTop top => driver.CreateDiskLayerAsync(HostOf(task), new DiskLayerSpec(top.LayerId, top.ParentLayerId, vm.Hardware.DiskGib, datastore), ct),
                        _ => throw new StepFailedException($"no way to carry out {action}"),
                    });
                }
                return StepOutcome.Done;
            case TaskStep.Registering:
                await driver.RegisterVmAsync(HostOf(task), new VmDefinition(vm.VmId, vm.Hostname, vm.Hardware, vm.DiskLayerId), ct);
                await DeliverDataAsync(task, ct);
                return StepOutcome.Done;
            case TaskStep.PoweringOn:
                await driver.PowerOnAsync(HostOf(task), vm.VmId, ct);
                return StepOutcome.Done;
            case TaskStep.CopyingImage:
                var image = task.Instant ?? throw new StepFailedException("the task names no instant image");
                await driver.CloneSuspendedAsync(image.SourceHostId, image.SourceVmId, HostOf(task),
                    new VmDefinition(vm.VmId, vm.Hostname, vm.Hardware, vm.DiskLayerId), ct);
                await DeliverDataAsync(task, ct);
                return StepOutcome.Done;
            case TaskStep.Resuming:
                await driver.ResumeAsync(HostOf(task), vm.VmId, ct);
                return StepOutcome.Done;
            case TaskStep.InstallingApps:
                foreach (var app in task.Apps)
                {
                    await driver.InstallAppAsync(HostOf(task), vm.VmId, AnswerFileFor(task.TaskId, app), ct);
                }
                return StepOutcome.Done;
            case TaskStep.Finalizing when task.Kind == TaskKind.Migrate:
                await AskHost(new HostProtocol.CommitReservation(HostOf(task), task.TaskId, vm.VmId), ct);
                await AskVm(new VmProtocol.CompleteMigration(vm.VmId, task.TaskId, HostOf(task)), ct);
                return StepOutcome.Done;
            case TaskStep.Finalizing:
                await AskHost(new HostProtocol.CommitReservation(HostOf(task), task.TaskId, vm.VmId), ct);
                await AskVm(new VmProtocol.PlaceVm(vm.VmId, HostOf(task), vm.Hardware), ct);
                return StepOutcome.Done;
            case TaskStep.MarkingMigration:
                await AskVm(new VmProtocol.StartMigration(vm.VmId, task.TaskId), ct);
                return StepOutcome.Done;
            case TaskStep.PreparingTarget:
                await driver.PrepareMigrationAsync(MigrationOf(task), ct);
                return StepOutcome.Done;
            case TaskStep.SwitchingOver:
                await driver.SwitchOverAsync(MigrationOf(task), ct);
                return StepOutcome.Done;
            case TaskStep.CompletingMigration:
                await driver.CompleteMigrationAsync(MigrationOf(task), ct);
                await AskHost(new HostProtocol.ReleaseAllocation(task.SourceHostId!, vm.VmId), ct);
                return StepOutcome.Done;
            case TaskStep.MarkingForDeletion:
                await AskVm(new VmProtocol.StartDeletion(vm.VmId, task.TaskId), ct);
                return StepOutcome.Done;
            case TaskStep.PoweringOff when host is not null:
                await driver.PowerOffAsync(host, vm.VmId, ct);
                return StepOutcome.Done;
            case TaskStep.Unregistering when host is not null:
                await driver.UnregisterVmAsync(host, vm.VmId, ct);
                return StepOutcome.Done;
            case TaskStep.DeletingDisk when host is not null:
                await DeletePrivateLayersAsync(host, vm, ct);
                return StepOutcome.Done;
            case TaskStep.ReleasingCapacity when host is not null:
                await AskHost(new HostProtocol.ReleaseAllocation(host, vm.VmId), ct);
                await ReleaseStorageAsync(vm, ct);
                return StepOutcome.Done;
            case TaskStep.PoweringOff or TaskStep.Unregistering or TaskStep.DeletingDisk or TaskStep.ReleasingCapacity:
                // The VM never reached a host: nothing there to remove.
                return StepOutcome.Done;
            case TaskStep.RemovingRecord:
                await AskVm(new VmProtocol.RemoveVm(vm.VmId, $"deleted by task {task.TaskId}"), ct);
                RevokeTokens(vm.VmId, $"deleted by task {task.TaskId}");
                return StepOutcome.Done;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "not a step of any task");
        }
    }

    /// <summary>A VM that is gone leaves no activation token that works (one issued by hand, for instance).</summary>
    private void RevokeTokens(string vmId, string reason) =>
        keyPools.Tell(new KeyPoolProtocol.RevokeTokens(KeyPoolProtocol.DefaultPool, [vmId], reason));

    public async Task UndoAsync(ProvisioningTask task, TaskStep step, CancellationToken ct)
    {
        var vm = task.Vm;
        var host = task.HostId;
        switch (step)
        {
            case TaskStep.RecordingVm:
                await AskVm(new VmProtocol.RemoveVm(vm.VmId, $"provisioning task {task.TaskId} rolled back"), ct);
                RevokeTokens(vm.VmId, $"provisioning task {task.TaskId} rolled back");
                break;
            case TaskStep.Placing when host is not null:
                await AskHost(new HostProtocol.ReleaseReservation(host, task.TaskId, "rolled back"), ct);
                await ReleaseStorageAsync(vm, ct);
                break;
            case TaskStep.MarkingMigration:
                await AskVm(new VmProtocol.CancelMigration(vm.VmId, task.TaskId), ct);
                break;
            case TaskStep.PreparingTarget when host is not null:
                await driver.CancelMigrationAsync(MigrationOf(task), ct);
                break;
            case TaskStep.CloningDisk when host is not null:
                await DeletePrivateLayersAsync(host, vm, ct);
                break;
            case TaskStep.Registering when host is not null:
                // A power-on that failed half-way may have left it running; a running VM cannot be unregistered.
                await driver.PowerOffAsync(host, vm.VmId, ct);
                await driver.UnregisterVmAsync(host, vm.VmId, ct);
                break;
            case TaskStep.PoweringOn or TaskStep.Resuming when host is not null:
                await driver.PowerOffAsync(host, vm.VmId, ct);
                break;
            case TaskStep.CopyingImage when host is not null:
                // Powering off discards the copied saved state; then the copy goes like any clone.
                await driver.PowerOffAsync(host, vm.VmId, ct);
                await driver.UnregisterVmAsync(host, vm.VmId, ct);
                await driver.DeleteDiskLayerAsync(host, vm.DiskLayerId, ct);
                break;
            case TaskStep.Placing or TaskStep.CloningDisk or TaskStep.Registering or TaskStep.PoweringOn or TaskStep.Resuming or TaskStep.CopyingImage
                or TaskStep.PreparingTarget:
                // No host was chosen, so nothing was done on one.
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "the step has no undo");
        }
    }

    private static readonly JsonSerializerOptions WorkFileJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// The task's choices (what was asked for, the apps to install, never the answers' values) and the VM's config
    /// image (the identity its first start assigns), kept in the task's work area while the task runs.
    /// </summary>
    private void WriteWorkArea(ProvisioningTask task)
    {
        var vm = task.Vm;
        WorkArea.Write(task.TaskId, "choices.json", JsonSerializer.Serialize(new
        {
            task.TaskId, Kind = task.Kind.ToString(), vm.Hostname, vm.Model, vm.Hardware, vm.Group, DiskLayout = vm.DiskLayout.ToString(),
            Apps = task.Apps.Select(a => new { a.App, Answers = a.Answers.Keys.Order(StringComparer.Ordinal) }),
            InstantImage = task.Instant?.Name,
        }, WorkFileJson));
        WorkArea.Write(task.TaskId, "config-image.json", JsonSerializer.Serialize(new
        {
            LaunchSteps = new[] { Staging.AssignIdentity },
            vm.Identity?.MachineId, vm.Hostname, Macs = vm.Identity?.Macs ?? [],
        }, WorkFileJson));
    }

    /// <summary>Renders the app's answer file into the task's work area; the guest receives what was written there.</summary>
    private GuestAppInstall AnswerFileFor(string taskId, AppInstall app)
    {
        if (app.AnswerFile is null) return new GuestAppInstall(app.App, null, null);
        var rendered = app.AnswerFile.Render(app.Answers);
        if (rendered.Text is null)
            throw new StepFailedException($"the {app.App} answer file cannot be filled: {string.Join("; ", rendered.Errors)}");
        var fileName = $"{app.App}.answers";
        WorkArea.Write(taskId, fileName, rendered.Text);
        return new GuestAppInstall(app.App, fileName, rendered.Text);
    }

    /// <summary>
    /// The clone's disk as the configured layout places it; the model's image is one base layer, named after the
    /// image so that every clone of it shares it (on a host, or on shared storage).
    /// </summary>
    private static ImmutableArray<DiskAction> DiskPlanOf(ProvisioningTask task)
    {
        var image = new DiskLayer($"base-{task.BaseImage}", null, task.BaseImage, task.BaseImageGib, task.BaseImageGib);
        return DiskPlan.For(task.Vm.DiskLayout, [image], HostOf(task), task.Vm.DiskLayerId, DiskLayerStore.Empty);
    }

    /// <summary>Deletes what the VM's disk owns alone, top first; shared and cached layers stay for other clones.</summary>
    private async Task DeletePrivateLayersAsync(string host, VmRecord vm, CancellationToken ct)
    {
        foreach (var layer in DiskPlan.PrivateLayerIds(vm.DiskLayout, vm.DiskLayerId)) await driver.DeleteDiskLayerAsync(host, layer, ct);
    }

    /// <summary>The datastore the VM's storage allocation put it on: its own disk layer goes straight there.</summary>
    private async Task<string?> DatastoreOfAsync(VmRecord vm, CancellationToken ct)
    {
        if (vm.StoragePool is null) return null;
        var table = (StorageProtocol.TableStatus)await AskEntity(storage, new StorageProtocol.GetTable(), ct);
        return table.Table.Allocations.TryGetValue(vm.VmId, out var allocation)
            ? allocation.DatastoreId
            : throw new StepFailedException($"VM {vm.VmId} has no storage allocation in pool {vm.StoragePool}");
    }

    private async Task ReleaseStorageAsync(VmRecord vm, CancellationToken ct)
    {
        if (vm.StoragePool is null) return;
        if (await AskEntity(storage, new StorageProtocol.Release(vm.VmId), ct) is not StorageProtocol.StorageApplied)
            throw new StepFailedException($"the storage of VM {vm.VmId} was not released");
    }

    /// <summary>
    /// The VM's provisioning data as its record has it now (it may have been set since the task started, even before a
    /// host was chosen), into the host's channel before the guest first runs.
    /// </summary>
    private async Task DeliverDataAsync(ProvisioningTask task, CancellationToken ct)
    {
        var reply = await AskEntity(vms, new VmProtocol.GetVm(task.Vm.VmId), ct);
        if (reply is not VmProtocol.VmStatus { Record: var record }) throw new StepFailedException($"the record of VM {task.Vm.VmId} is gone");
        await channel.PushAsync(HostOf(task), record, ct);
    }

    /// <summary>Live when the driver can; otherwise the driver suspends, copies and resumes.</summary>
    private MigrationPlan MigrationOf(ProvisioningTask task) =>
        new(task.TaskId, task.Vm.VmId, task.SourceHostId!, HostOf(task), driver.Capabilities.HasFlag(DriverCapabilities.LiveMigration));

    private static string HostOf(ProvisioningTask task) =>
        task.HostId ?? throw new StepFailedException("no host has been chosen for this task");

    /// <summary>
    /// Asks an entity (through its shard region), and asks again each time no answer comes within the ask timeout,
    /// until the step's own deadline. Sharding delivers at most once: a region drops the messages it buffered for a
    /// shard that is being handed off (a node leaving, a rebalance), so an unanswered command may never have arrived,
    /// and taking that for the step's failure rolled back tasks that nothing had gone wrong with. Every command a step
    /// or an undo sends is idempotent (the task repeats them after a restart anyway), so sending one twice is safe.
    /// </summary>
    private async Task<object> AskEntity(IActorRef region, object command, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await region.Ask<object>(command, settings.Entities.AskTimeout, ct);
            }
            catch (AskTimeoutException) when (!ct.IsCancellationRequested)
            {
                // Not answered: sent again, until the step times out.
            }
        }
    }

    private async Task AskHost(HostProtocol.IHostCommand command, CancellationToken ct)
    {
        var reply = await AskEntity(hosts, command, ct);
        if (reply is HostProtocol.HostRefused r) throw new StepFailedException($"host {r.HostId} refused: {r.Reason}");
        if (reply is not HostProtocol.HostApplied) throw new StepFailedException($"unexpected reply from host {command.HostId}: {reply}");
    }

    private async Task AskVm(VmProtocol.IVmCommand command, CancellationToken ct)
    {
        var reply = await AskEntity(vms, command, ct);
        switch (reply)
        {
            case VmProtocol.VmApplied:
                return;
            case VmProtocol.VmRefused r:
                throw new StepFailedException($"VM record refused: {r.Reason}");
            case VmProtocol.VmNotFound:
                throw new StepFailedException($"VM {command.VmId} has no record");
            default:
                throw new StepFailedException($"unexpected reply from VM {command.VmId}: {reply}");
        }
    }
}
