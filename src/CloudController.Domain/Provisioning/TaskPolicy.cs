using System.Collections.Immutable;
using CloudController.Domain.Placement;

namespace CloudController.Domain.Provisioning;

/// <summary>Where placement looks for a task's host: the request, the least memory it may grant, the one host it must be.</summary>
public sealed record HostSearch(PlacementRequest Request, long? MinimumMemoryMib, string? OnlyHost);

/// <summary>
/// What the action a task ran came to: an error, or a placement's decision with the memory it granted, or a step's
/// host refusal (the chosen host would not reserve).
/// </summary>
public sealed record ActionResult(string? Error, PlacementDecision? Decision = null, long GrantedMemoryMib = 0, string? HostRefusal = null);

/// <summary>
/// What a task does with an action's result: the event to journal (none after a failed undo), then go on at once
/// (<see cref="RetryAfter"/> null) or try again after the backoff for that many failures in a row; and how many undos
/// in a row have now failed.
/// </summary>
public sealed record StepResolution(IDomainEvent? Event, int? RetryAfter, int UndoFailures);

/// <summary>
/// Decides what a task records when the placement, step or undo it ran returns: a host chosen, a step done, failed
/// (rolled back, or retried after a backoff past the point of no return) or undone. The actor only runs the action,
/// journals the event and starts the timer.
/// </summary>
public static class TaskPolicy
{
    /// <summary>The search for a task's host, leaving out <paramref name="excluded"/> (the hosts that refused).</summary>
    public static HostSearch HostSearch(ProvisioningTask task, ImmutableHashSet<string> excluded)
    {
        var request = PlacementRequest.For(task.Vm, task.BaseImage, task.Instant) with { ExcludedHosts = excluded };
        // A migrating VM keeps its memory and leaves its host: the source is no candidate.
        return task.SourceHostId is { } source
            ? new HostSearch(request with { ExcludedHosts = excluded.Add(source) }, null, task.TargetHostId)
            : new HostSearch(request, task.Vm.MinimumMemoryMib, null);
    }

    /// <param name="undoFailures">How many undos in a row failed before this result.</param>
    public static StepResolution Resolve(ProvisioningTask task, SagaAction action, ActionResult result, int undoFailures, DateTimeOffset now)
    {
        switch (action)
        {
            case SagaAction.ChooseHost when result.Error is { } error:
                return new StepResolution(new StepFailed(TaskStep.Placing, $"placement failed: {error}", now), null, undoFailures);
            case SagaAction.ChooseHost choose:
                var decision = result.Decision ?? throw new ArgumentException("a placement's result holds its decision or its error", nameof(result));
                var asked = HostSearch(task, choose.ExcludedHosts).Request;
                var explanation = PlacementExplanation.Explain(decision, asked with { Amount = asked.Amount with { MemoryMib = result.GrantedMemoryMib } });
                IDomainEvent placed = decision.Found
                    ? new HostChosen(decision.Candidates[0], explanation, now, result.GrantedMemoryMib == task.DesiredMemoryMib ? null : result.GrantedMemoryMib)
                    : new StepFailed(TaskStep.Placing, explanation, now);
                return new StepResolution(placed, null, undoFailures);
            case SagaAction.Execute execute when result.Error is { } error:
                var failed = new StepFailed(execute.Step, error, now);
                // Past its point of no return a task retries the step after a backoff; before it, it starts its rollback.
                return task.Apply(failed) is { State: TaskState.Running } retrying
                    ? new StepResolution(failed, retrying.FailedAttempts, undoFailures)
                    : new StepResolution(failed, null, undoFailures);
            case SagaAction.Execute { Step: TaskStep.Placing } when result.HostRefusal is { } refusal:
                return new StepResolution(new HostRefused(task.HostId!, refusal, now), null, undoFailures);
            case SagaAction.Execute execute:
                return new StepResolution(new StepCompleted(execute.Step, now), null, undoFailures);
            case SagaAction.Undo when result.Error is not null:
                // An undo must eventually succeed, or the task would leave something behind: retry with backoff.
                return new StepResolution(null, undoFailures + 1, undoFailures + 1);
            case SagaAction.Undo undo:
                return new StepResolution(new StepUndone(undo.Step, now), null, 0);
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "only a placement, a step or an undo runs and returns a result");
        }
    }
}
