using System.Collections.Immutable;

namespace CloudController.Domain.Provisioning;

public enum TaskKind
{
    Provision,
    Delete,
    /// <summary>A VM made from a suspended instant image: copied to a host and resumed, not booted.</summary>
    InstantDeploy,
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

    public static ImmutableArray<TaskStep> StepsOf(TaskKind kind) => kind switch
    {
        TaskKind.Provision => Provision,
        TaskKind.InstantDeploy => InstantDeploy,
        _ => Delete,
    };

    /// <summary>
    /// Finalizing is the point of no return: it turns the reservation into the VM's allocation, so it is never undone,
    /// and an abort that arrives once it started is refused. Installed apps need no undo of their own: the rollback
    /// discards the VM they were installed in.
    /// </summary>
    public static bool IsUndoable(TaskStep step) =>
        (Provision.Contains(step) || InstantDeploy.Contains(step)) && step is not (TaskStep.Finalizing or TaskStep.InstallingApps);
}
