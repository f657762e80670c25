using System.Collections.Immutable;
using CloudController.Cluster.Serialization;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.Provisioning;

/// <summary>The messages of the <see cref="ProvisioningTaskActor"/> entity, keyed by task id.</summary>
public static class ProvisioningTaskProtocol
{
    public interface ITaskCommand : IEntityCommand
    {
        string TaskId { get; }

        string IEntityCommand.EntityId => TaskId;
    }

    /// <summary>Starts the task; repeating it returns the task's status without starting it twice.</summary>
    public sealed record StartTask(
        string TaskId, TaskKind Kind, VmRecord Vm, string BaseImage, long BaseImageGib, ImmutableList<AppInstall>? Apps = null,
        Domain.Catalog.InstantImage? Instant = null, string? TargetHostId = null, string? RequestedBy = null) : ITaskCommand
    {
        /// <summary>A migration of a running VM, to <paramref name="targetHostId"/> or where placement chooses.</summary>
        /// <param name="requestedBy">Who asked; null when access control is off or the controller moves it itself.</param>
        public static StartTask Migration(string taskId, VmRecord vm, string? targetHostId, string? requestedBy) =>
            new(taskId, TaskKind.Migrate, vm, "", 0, TargetHostId: targetHostId, RequestedBy: requestedBy);
    }

    public sealed record GetTask(string TaskId) : ITaskCommand;

    /// <summary>The sender receives the status now and on every change until the task ends. Repeat to survive re-homing.</summary>
    public sealed record WatchTask(string TaskId) : ITaskCommand;

    public sealed record AbortTask(string TaskId, string Reason) : ITaskCommand;

    /// <summary>
    /// A host whose reservation lease ran out asks the task that holds it whether it still needs it. The task answers
    /// <see cref="ReservationStillHeld"/>, or <see cref="ReservationNotHeld"/> (as does a task that never existed),
    /// so that a reservation whose task is gone is reclaimed and one whose task lives is never taken from it.
    /// </summary>
    public sealed record ConfirmReservation(string TaskId, string HostId) : ITaskCommand;

    public sealed record ReservationStillHeld(string TaskId, string HostId) : IClusterMessage;

    public sealed record ReservationNotHeld(string TaskId, string HostId) : IClusterMessage;

    [WireName("Cluster.Provisioning.ProvisioningTaskProtocol+TaskReport")]
    public sealed record ProvisioningTaskStatus(ProvisioningTask Task) : IClusterMessage;

    public sealed record TaskNotFound(string TaskId) : IClusterMessage;

    public sealed record AbortRefused(string TaskId, string Reason) : IClusterMessage;
}
