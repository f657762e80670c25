using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Metrics;
using CloudController.Domain;
using CloudController.Domain.Provisioning;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;

namespace CloudController.Cluster.Provisioning;

/// <summary>
/// One provisioning or deletion task: a persistent saga over <see cref="ProvisioningTask"/>. It persists every step's
/// outcome before the next begins, runs at most one step at a time, and after a restart (its region remembers
/// unfinished tasks) repeats the step it was in or continues its rollback, so no task is ever left half-done.
/// </summary>
public sealed class ProvisioningTaskActor : RecordingActor, IWithTimers
{
    /// <summary>The result of the step or undo started as attempt <c>Attempt</c>; results of older attempts are stale.</summary>
    private sealed record StepResult(long Attempt, StepOutcome? Outcome, FleetViewProtocol.FlexiblePlacement? Placement, Exception? Error);

    private sealed record RunNext
    {
        public static readonly RunNext Instance = new();
    }

    private sealed record Linger
    {
        public static readonly Linger Instance = new();
    }

    /// <summary>Every task event is tagged, so that each node's <see cref="ReadModels.TaskDirectory"/> can list tasks.</summary>
    public const string Tag = "tasks";

    private readonly string _taskId;
    private readonly IActorRef _quotas;
    private readonly TaskStepRunner _runner;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _watchers = [];
    private ProvisioningTask? _task;
    private CancellationTokenSource? _inFlight;
    private SagaAction? _running;
    private long _attempt;
    private int _undoFailures;
    private long _stepStarted;

    public ProvisioningTaskActor(string taskId, TaskStepRunner runner, ControllerSettings settings, IActorRef quotas)
    {
        _taskId = taskId;
        _quotas = quotas;
        _runner = runner;
        _settings = settings;

        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            // Again after a crash between the task's end and the release: giving a claim back twice changes nothing.
            if (_task is { IsEnded: true }) ReleaseQuota(_task);
            if (_task is { IsEnded: false }) ControllerMetrics.TaskRunning(_taskId, _task.CreatedAt);
            Self.Tell(RunNext.Instance);
        });

        // What a released claim's owner answers; nothing to do with it.
        Command<Quotas.QuotaProtocol.QuotaStatus>(_ => { });
        Command<StartTask>(Start);
        Command<GetTask>(_ => ReplyStatusOrNotFound());
        Command<WatchTask>(_ =>
        {
            if (_task is null)
            {
                ReplyStatusOrNotFound();
                return;
            }
            if (!_task.IsEnded && _watchers.Add(Sender)) Context.Watch(Sender);
            Sender.Tell(new ProvisioningTaskStatus(_task));
        });
        Command<AbortTask>(Abort);
        Command<ConfirmReservation>(c =>
        {
            Sender.Tell(_task?.HoldsReservationOn(c.HostId) == true
                ? new ReservationStillHeld(_taskId, c.HostId)
                : new ReservationNotHeld(_taskId, c.HostId));
            if (_task is null) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Command<RunNext>(_ => Advance());
        Command<StepResult>(OnStepResult);
        Command<Terminated>(t => _watchers.Remove(t.ActorRef));
        Command<Linger>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public override string PersistenceId => $"task-{_taskId}";

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="quotas">The owners' quotas, given back a VM's claim when its provisioning rolls back or its deletion succeeds.</param>
    public static Props Props(string taskId, TaskStepRunner runner, ControllerSettings settings, IActorRef quotas) =>
        Akka.Actor.Props.Create(() => new ProvisioningTaskActor(taskId, runner, settings, quotas));

    protected override void PostStop()
    {
        _inFlight?.Cancel();
        ControllerMetrics.TaskGone(_taskId);
        base.PostStop();
    }

    private void Start(StartTask start)
    {
        if (_task is not null)
        {
            Sender.Tell(new ProvisioningTaskStatus(_task));
            return;
        }
        var created = new TaskCreated(_taskId, start.Kind, start.Vm, start.BaseImage, start.BaseImageGib, DateTimeOffset.UtcNow, start.Apps, start.Instant, start.TargetHostId, start.RequestedBy);
        base.Record(created, () =>
        {
            ControllerMetrics.TasksStarted.WithLabels(created.Kind.ToString()).Inc();
            ControllerMetrics.TaskRunning(_taskId, created.At);
            Sender.Tell(new ProvisioningTaskStatus(_task!));
            Advance();
        });
    }

    private void ReplyStatusOrNotFound()
    {
        if (_task is not null)
        {
            Sender.Tell(new ProvisioningTaskStatus(_task));
            return;
        }
        Sender.Tell(new TaskNotFound(_taskId));
        // Nothing to remember about a task that never existed.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private void Abort(AbortTask abort)
    {
        if (_task is null)
        {
            ReplyStatusOrNotFound();
            return;
        }
        if (_task.AbortRefusal() is { } refusal)
        {
            Sender.Tell(new AbortRefused(_taskId, refusal));
            return;
        }
        Record(new AbortRequested(abort.Reason, DateTimeOffset.UtcNow), () =>
        {
            Sender.Tell(new ProvisioningTaskStatus(_task!));
            // The step in flight is cancelled; the rollback starts once it has returned, so that an undo never
            // races the step it undoes.
            _inFlight?.Cancel();
            Advance();
        });
    }

    private void Advance()
    {
        if (_task is null || _inFlight is not null) return;
        var task = _task;
        var next = task.NextAction();
        switch (next)
        {
            case SagaAction.ChooseHost choose:
                var search = TaskPolicy.HostSearch(task, choose.ExcludedHosts);
                Run(next, async _ => await _runner.ChooseHostAsync(search.Request, search.MinimumMemoryMib, search.OnlyHost));
                break;
            case SagaAction.Execute execute:
                Run(next, async ct => await _runner.ExecuteAsync(task, execute.Step, ct));
                break;
            case SagaAction.Undo undo:
                Run(next, async ct =>
                {
                    await _runner.UndoAsync(task, undo.Step, ct);
                    return StepOutcome.Done;
                });
                break;
            case SagaAction.Fail fail:
                Record(new StepFailed(task.CurrentStep, fail.Error, DateTimeOffset.UtcNow), Advance);
                break;
            case SagaAction.Finish finish:
                // Before the end is recorded, so that whoever sees the task ended finds its work area gone.
                RemoveWorkArea();
                Record(new TaskFinished(finish.Outcome, DateTimeOffset.UtcNow), Advance);
                break;
            case SagaAction.None when !Timers.IsTimerActive(Linger.Instance):
                // Also here: a task recovered after ending, or a deletion that gave up, leaves no work area behind.
                RemoveWorkArea();
                _log.Info("Task {0} ({1} {2}) ended {3}{4}", _taskId, task.Kind, task.Vm.Hostname, task.State,
                    task.Error is null ? "" : $": {task.Error}");
                // An ended task only lingers for late status queries and watchers, then leaves memory and the
                // region's remembered entities.
                Timers.StartSingleTimer(Linger.Instance, Linger.Instance, _settings.Provisioning.FinishedTaskLinger);
                break;
        }
    }

    private void RemoveWorkArea()
    {
        try
        {
            _runner.WorkArea.Remove(_taskId);
        }
        catch (IOException e)
        {
            _log.Warning("Task {0}: its work area {1} could not be removed: {2}", _taskId, _runner.WorkArea.PathOf(_taskId), e.Message);
        }
    }

    private void Run(SagaAction action, Func<CancellationToken, Task<object>> work)
    {
        var attempt = ++_attempt;
        var cts = new CancellationTokenSource(_settings.Provisioning.StepTimeout);
        _inFlight = cts;
        _running = action;
        _stepStarted = Stopwatch.GetTimestamp();
        work(cts.Token).PipeTo(Self,
            success: result => result switch
            {
                FleetViewProtocol.FlexiblePlacement p => new StepResult(attempt, null, p, null),
                StepOutcome o => new StepResult(attempt, o, null, null),
                _ => new StepResult(attempt, null, null, new InvalidOperationException($"unexpected step result {result}")),
            },
            failure: ex => new StepResult(attempt, null, null,
                ex is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : ex));
    }

    private void OnStepResult(StepResult result)
    {
        if (result.Attempt != _attempt || _task is null || _inFlight is null) return;
        var cancelled = _inFlight.IsCancellationRequested;
        var running = _running;
        _inFlight.Dispose();
        _inFlight = null;
        _running = null;
        if (!Equals(running, _task.NextAction()))
        {
            // The task moved on while the step ran (an abort started the rollback): the rollback undoes whatever
            // the step did.
            Advance();
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var error = result.Error switch
        {
            null => null,
            OperationCanceledException when cancelled => $"timed out after {_settings.Provisioning.StepTimeout.TotalSeconds:0.#}s",
            _ => result.Error.Message,
        };
        Measure(running, Stopwatch.GetElapsedTime(_stepStarted), error, result.Placement);

        var outcome = new ActionResult(error, result.Placement?.Decision, result.Placement?.GrantedMemoryMib ?? 0, result.Outcome?.HostRefusal);
        var resolution = TaskPolicy.Resolve(_task, running!, outcome, _undoFailures, now);
        _undoFailures = resolution.UndoFailures;
        if (running is SagaAction.Undo undo && error is not null)
            _log.Warning("Task {0}: undoing {1} failed (attempt {2}): {3}", _taskId, undo.Step, _undoFailures, error);
        if (resolution.Event is { } e) Record(e, () => GoOn(resolution));
        else GoOn(resolution);
    }

    /// <summary>On to the next action now, or after a backoff when the task retries.</summary>
    private void GoOn(StepResolution resolution)
    {
        if (resolution.RetryAfter is { } failures) Timers.StartSingleTimer(RunNext.Instance, RunNext.Instance, _settings.Provisioning.Backoff(failures));
        else Advance();
    }

    private static void Measure(SagaAction? step, TimeSpan took, string? error, FleetViewProtocol.FlexiblePlacement? placement)
    {
        switch (step)
        {
            case SagaAction.ChooseHost:
                ControllerMetrics.PlacementDuration.Observe(took.TotalSeconds);
                if (error is null && placement is { Decision: { Found: false } decision }) ControllerMetrics.PlacementRefused(decision);
                break;
            case SagaAction.Execute execute:
                ControllerMetrics.StepDuration.WithLabels(execute.Step.ToString(), error is null ? "done" : "failed").Observe(took.TotalSeconds);
                break;
            case SagaAction.Undo undo:
                ControllerMetrics.StepDuration.WithLabels(undo.Step.ToString(), error is null ? "undone" : "undo-failed").Observe(took.TotalSeconds);
                break;
        }
    }

    /// <summary>
    /// Journals <paramref name="e"/> and, in the same atomic write, the task's end when that follows from it with no
    /// side effect in between (no step in flight): one dependent commit fewer per task, and no crash can split the
    /// two. The work area goes first, as before the end is recorded; no step that can precede the end reads it.
    /// </summary>
    protected override void Record(IDomainEvent? e, Action then)
    {
        if (e is null)
        {
            then();
            return;
        }
        IDomainEvent[] events = _inFlight is null && _task!.Apply(e).NextAction() is SagaAction.Finish finish
            ? [e, new TaskFinished(finish.Outcome, DateTimeOffset.UtcNow)]
            : [e];
        if (events.Length > 1) RemoveWorkArea();
        var writing = Stopwatch.GetTimestamp();
        var left = events.Length;
        PersistAll(events.Select(ev => new Tagged(ev, [Tag])), tagged =>
        {
            var last = --left == 0;
            if (last) ControllerMetrics.JournalWriteDuration.WithLabels("task").Observe(Stopwatch.GetElapsedTime(writing).TotalSeconds);
            Applied((IDomainEvent)tagged.Payload, last ? then : () => { });
        });
    }

    protected override void Apply(IDomainEvent e) => _task = e is TaskCreated created ? ProvisioningTask.Create(created) : _task?.Apply(e);

    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [Tag];

    /// <summary>A journaled event applied live: what watchers, metrics and quotas hear of, besides the state.</summary>
    private void Applied(IDomainEvent persisted, Action then)
    {
        var before = _task!.State;
        Apply(persisted);
        var task = _task!;
        if (before == TaskState.Running && task.State == TaskState.RollingBack) ControllerMetrics.TaskRollbacks.WithLabels(task.Kind.ToString()).Inc();
        if (task.IsEnded && before is TaskState.Running or TaskState.RollingBack)
        {
            ControllerMetrics.TasksEnded.WithLabels(task.Kind.ToString(), task.State.ToString()).Inc();
            ControllerMetrics.TaskGone(_taskId);
            ReleaseQuota(task);
        }
        var status = new ProvisioningTaskStatus(task);
        foreach (var watcher in _watchers) watcher.Tell(status);
        if (task.IsEnded)
        {
            foreach (var watcher in _watchers) Context.Unwatch(watcher);
            _watchers.Clear();
        }
        then();
    }

    private void ReleaseQuota(ProvisioningTask task)
    {
        if (Domain.Quotas.QuotaRelease.ClaimReleasedBy(task) is { } claim) _quotas.Tell(new Quotas.QuotaProtocol.Release(task.Vm.Owner!, claim));
    }
}
