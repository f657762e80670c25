using System.Collections.Immutable;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Provisioning;

public sealed record TaskHistoryEntry(DateTimeOffset At, string Stage, string Message);

/// <summary>
/// The state machine of one provisioning (or deletion) task: a saga whose steps each have an undo. State is folded
/// from the task's events; <see cref="NextAction"/> says what to do next. A task that resumes after a crash repeats
/// the step it was in, which is safe because every step is idempotent; a rollback undoes, in reverse, every step
/// that completed and the one that was in flight (undoing a step that never happened is a no-op).
/// </summary>
public sealed record ProvisioningTask(
    string TaskId,
    TaskKind Kind,
    VmRecord Vm,
    string BaseImage,
    long BaseImageGib,
    TaskState State,
    string? HostId,
    ImmutableHashSet<string> RefusedHosts,
    int Completed,
    int UndoFrom,
    ImmutableHashSet<TaskStep> Undone,
    string? Error,
    string? AbortReason,
    int FailedAttempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ImmutableList<TaskHistoryEntry> History,
    ImmutableList<AppInstall> Apps,
    Catalog.InstantImage? Instant,
    long DesiredMemoryMib,
    string? TargetHostId = null,
    string? RequestedBy = null)
{
    /// <summary>How many hosts may refuse a reservation before the task gives up: the fleet view is that stale.</summary>
    public const int MaxHostRefusals = 5;

    public static ProvisioningTask Create(TaskCreated e) => new(
        e.TaskId, e.Kind, e.Vm, e.BaseImage, e.BaseImageGib, TaskState.Running,
        e.Kind == TaskKind.Migrate ? null : e.Vm.HostId, ImmutableHashSet<string>.Empty, 0, 0, ImmutableHashSet<TaskStep>.Empty,
        null, null, 0, e.At, e.At,
        [new TaskHistoryEntry(e.At, "Accepted", e.Kind switch
        {
            TaskKind.Provision => $"provision {e.Vm.Hostname} from model {e.Vm.Model} with {e.Vm.Hardware}" +
                                  (e.Apps is { Count: > 0 } apps ? $", installing {string.Join(", ", apps.Select(a => a.App))}" : ""),
            TaskKind.InstantDeploy => $"deploy {e.Vm.Hostname} from instant image {e.Instant?.Name}",
            TaskKind.Migrate => $"migrate {e.Vm.Hostname} ({e.Vm.VmId}) away from {e.Vm.HostId}" + (e.TargetHostId is { } t ? $" to {t}" : ""),
            _ => $"delete {e.Vm.Hostname} ({e.Vm.VmId})",
        })],
        e.Apps ?? [],
        e.Instant,
        e.Vm.Hardware.MemoryMib,
        e.TargetHostId,
        e.RequestedBy);

    public ImmutableArray<TaskStep> Steps => TaskPlan.StepsOf(Kind);

    public bool IsEnded => State is TaskState.Succeeded or TaskState.Failed or TaskState.Aborted;

    /// <summary>The forward step that runs (or ran last, once all completed).</summary>
    public TaskStep CurrentStep => Steps[Math.Min(Completed, Steps.Length - 1)];

    public string Stage => State switch
    {
        TaskState.Running => CurrentStep.ToString(),
        TaskState.RollingBack => NextAction() is SagaAction.Undo u ? $"RollingBack:{u.Step}" : "RollingBack",
        _ => State.ToString(),
    };

    public int Percent => State switch
    {
        TaskState.Running => Completed * 100 / Steps.Length,
        TaskState.RollingBack => UndoTargets().Count() is var total and > 0
            ? UndoTargets().Count(Undone.Contains) * 100 / total
            : 100,
        _ => 100,
    };

    public ProvisioningTask Apply(IDomainEvent e)
    {
        var next = e switch
        {
            HostChosen h => this with { HostId = h.HostId, Vm = Vm with { Hardware = Vm.Hardware with { MemoryMib = h.GrantedMemoryMib ?? DesiredMemoryMib } } },
            HostRefused r => this with
            {
                HostId = null,
                RefusedHosts = RefusedHosts.Add(r.HostId),
                Vm = Vm with { Hardware = Vm.Hardware with { MemoryMib = DesiredMemoryMib } },
            },
            StepCompleted => this with { Completed = Completed + 1, FailedAttempts = 0 },
            StepFailed f when IsPastPointOfNoReturn => this with
            {
                FailedAttempts = FailedAttempts + 1,
                Error = f.Error,
                State = Kind == TaskKind.Delete && FailedAttempts + 1 >= TaskPlan.MaxDeleteAttempts ? TaskState.Failed : State,
            },
            StepFailed f => StartRollback(f.Error, null),
            AbortRequested a => StartRollback($"aborted: {a.Reason}", a.Reason),
            StepUndone u => this with { Undone = Undone.Add(u.Step) },
            TaskFinished f => this with { State = f.Outcome },
            // A second TaskCreated or another entity's event: the journal is corrupt or mixed up.
            _ => throw new InvalidTransition("task", TaskId, Stage, e),
        };
        // History names the stage the event happened in, not the one it led to.
        return Describe(e) is var (at, message)
            ? next with { UpdatedAt = at, History = History.Add(new TaskHistoryEntry(at, Stage, message)) }
            : next;
    }

    /// <summary>What the task does next, given everything that happened so far.</summary>
    public SagaAction NextAction()
    {
        switch (State)
        {
            case TaskState.Running when Completed >= Steps.Length:
                return new SagaAction.Finish(TaskState.Succeeded);
            case TaskState.Running when CurrentStep == TaskStep.Placing && HostId is null:
                return RefusedHosts.Count >= MaxHostRefusals
                    ? new SagaAction.Fail($"{RefusedHosts.Count} hosts refused the reservation")
                    : new SagaAction.ChooseHost(RefusedHosts);
            case TaskState.Running:
                return new SagaAction.Execute(CurrentStep, FailedAttempts);
            case TaskState.RollingBack:
                foreach (var step in UndoTargets())
                {
                    if (!Undone.Contains(step)) return new SagaAction.Undo(step);
                }
                return new SagaAction.Finish(AbortReason is null ? TaskState.Failed : TaskState.Aborted);
            default:
                return SagaAction.None.Instance;
        }
    }

    /// <summary>
    /// Whether the task holds a reservation on the host: from choosing it until Finalizing turns the reservation into
    /// the VM's allocation, or until the rollback releases it.
    /// </summary>
    public bool HoldsReservationOn(string hostId)
    {
        if (HostId != hostId || Kind == TaskKind.Delete) return false;
        var finalized = Completed > Steps.IndexOf(TaskStep.Finalizing);
        return State switch
        {
            TaskState.Running => !finalized,
            TaskState.RollingBack => !Undone.Contains(TaskStep.Placing),
            _ => false,
        };
    }

    /// <summary>
    /// Past the point of no return a failed step is retried, never rolled back. A migration's switch-over itself
    /// still rolls back when it fails (the driver leaves the source running); the steps after it only move forward,
    /// and retry until they succeed, since the VM already runs on the target.
    /// </summary>
    private bool IsPastPointOfNoReturn => TaskPlan.PointOfNoReturn(Kind) is { } point &&
                                          (Kind == TaskKind.Delete ? Completed >= Steps.IndexOf(point) : Completed > Steps.IndexOf(point));

    /// <summary>The host the VM leaves, for a migration.</summary>
    public string? SourceHostId => Kind == TaskKind.Migrate ? Vm.HostId : null;

    /// <summary>Why an abort cannot be taken now, or null when it can.</summary>
    public string? AbortRefusal() => State switch
    {
        TaskState.RollingBack => "the task is already rolling back",
        _ when IsEnded => $"the task already ended {State}",
        _ when Kind == TaskKind.Delete => "a deletion cannot be aborted; it only moves forward",
        _ when Kind == TaskKind.Migrate && Completed >= Steps.IndexOf(TaskStep.SwitchingOver) =>
            "the VM is switching over to its new host and the migration can no longer be aborted; migrate it back instead",
        _ when CurrentStep == TaskStep.Finalizing =>
            "the task is finalizing and can no longer be aborted; delete the VM instead",
        _ => null,
    };

    /// <summary>The steps a rollback undoes, last first: the completed ones and the one in flight.</summary>
    private IEnumerable<TaskStep> UndoTargets()
    {
        for (var i = UndoFrom - 1; i >= 0; i--)
        {
            if (TaskPlan.IsUndoable(Steps[i])) yield return Steps[i];
        }
    }

    private ProvisioningTask StartRollback(string error, string? abortReason) => this with
    {
        State = TaskState.RollingBack,
        Error = error,
        AbortReason = abortReason,
        UndoFrom = Math.Min(Completed + 1, Steps.Length),
    };

    private static (DateTimeOffset At, string Message)? Describe(IDomainEvent e) => e switch
    {
        HostChosen x => (x.At, $"chose host {x.HostId}: {x.Explanation}" +
                              (x.GrantedMemoryMib is { } granted ? $"; granted {granted} MiB of memory" : "")),
        HostRefused x => (x.At, $"host {x.HostId} refused: {x.Reason}"),
        StepCompleted x => (x.At, $"{x.Step} done"),
        StepFailed x => (x.At, $"{x.Step} failed: {x.Error}"),
        AbortRequested x => (x.At, $"abort requested: {x.Reason}"),
        StepUndone x => (x.At, $"{x.Step} undone"),
        TaskFinished x => (x.At, x.Outcome.ToString()),
        _ => null,
    };
}

/// <summary>What a task does next.</summary>
public abstract record SagaAction
{
    /// <summary>Nothing: the task ended.</summary>
    public sealed record None : SagaAction
    {
        public static readonly None Instance = new();
    }

    /// <summary>Run placement, leaving out hosts that refused.</summary>
    public sealed record ChooseHost(ImmutableHashSet<string> ExcludedHosts) : SagaAction;

    /// <summary>Run a forward step; <paramref name="PreviousFailures"/> &gt; 0 means a retry after a backoff.</summary>
    public sealed record Execute(TaskStep Step, int PreviousFailures) : SagaAction;

    public sealed record Undo(TaskStep Step) : SagaAction;

    /// <summary>Record that the task failed without running a step (e.g. every host refused).</summary>
    public sealed record Fail(string Error) : SagaAction;

    public sealed record Finish(TaskState Outcome) : SagaAction;
}
