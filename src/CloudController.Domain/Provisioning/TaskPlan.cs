using System.Collections.Immutable;

namespace CloudController.Domain.Provisioning;

public enum TaskKind
{
    Provision,
    Delete,
    /// <summary>A VM made from a suspended instant image: copied to a host and resumed, not booted.</summary>
    InstantDeploy,
    /// <summary>A running VM moved to another host, live where the driver can.</summary>
    Migrate,
}

public enum TaskState
{
    Running,
    RollingBack,
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>The steps of a task, named as the stage a user sees while the step runs.</summary>
public enum TaskStep
{
    // Provision, in order.
    RecordingVm,
    Placing,
    CloningDisk,
    Registering,
    PoweringOn,
    InstallingApps,
    Finalizing,

    // Instant deploy, between RecordingVm/Placing and Finalizing.
    CopyingImage,
    Resuming,

    // Migrate: MarkingMigration, Placing (on the target), PreparingTarget, SwitchingOver, Finalizing, CompletingMigration.
    MarkingMigration,
    PreparingTarget,
    SwitchingOver,
    CompletingMigration,

    // Delete, in order.
    MarkingForDeletion,
    PoweringOff,
    Unregistering,
    DeletingDisk,
    ReleasingCapacity,
    RemovingRecord,
}

/// <summary>Which steps a kind of task runs and which of them a rollback undoes.</summary>
public static class TaskPlan
{
    public static readonly ImmutableArray<TaskStep> Provision =
    [
        TaskStep.RecordingVm, TaskStep.Placing, TaskStep.CloningDisk,
        TaskStep.Registering, TaskStep.PoweringOn, TaskStep.InstallingApps, TaskStep.Finalizing,
    ];

    public static readonly ImmutableArray<TaskStep> Delete =
    [
        TaskStep.MarkingForDeletion, TaskStep.PoweringOff, TaskStep.Unregistering,
        TaskStep.DeletingDisk, TaskStep.ReleasingCapacity, TaskStep.RemovingRecord,
    ];

    /// <summary>A delete only moves forward (undoing half a delete would resurrect a VM nobody wants), so it retries.</summary>
    public const int MaxDeleteAttempts = 8;

    public static readonly ImmutableArray<TaskStep> InstantDeploy =
    [
        TaskStep.RecordingVm, TaskStep.Placing, TaskStep.CopyingImage, TaskStep.Resuming, TaskStep.Finalizing,
    ];

    public static readonly ImmutableArray<TaskStep> Migrate =
    [
        TaskStep.MarkingMigration, TaskStep.Placing, TaskStep.PreparingTarget, TaskStep.SwitchingOver,
        TaskStep.Finalizing, TaskStep.CompletingMigration,
    ];

    public static ImmutableArray<TaskStep> StepsOf(TaskKind kind) => kind switch
    {
        TaskKind.Provision => Provision,
        TaskKind.InstantDeploy => InstantDeploy,
        TaskKind.Migrate => Migrate,
        _ => Delete,
    };

    /// <summary>
    /// The step from which a task can only move forward, retrying instead of rolling back: for a migration the
    /// switch-over (before it the source runs untouched; after it the VM runs on the target), for a delete its start.
    /// Null when the task always rolls back on failure (a provision's Finalizing is refused abort and never fails
    /// for want of resources).
    /// </summary>
    public static TaskStep? PointOfNoReturn(TaskKind kind) => kind switch
    {
        TaskKind.Migrate => TaskStep.SwitchingOver,
        TaskKind.Delete => TaskStep.MarkingForDeletion,
        _ => null,
    };

    /// <summary>
    /// Finalizing is the point of no return: it turns the reservation into the VM's allocation, so it is never undone,
    /// and an abort that arrives once it started is refused. Installed apps need no undo of their own: the rollback
    /// discards the VM they were installed in.
    /// </summary>
    public static bool IsUndoable(TaskStep step) =>
        (Provision.Contains(step) || InstantDeploy.Contains(step) || step is TaskStep.MarkingMigration or TaskStep.PreparingTarget) &&
        step is not (TaskStep.Finalizing or TaskStep.InstallingApps);
}
