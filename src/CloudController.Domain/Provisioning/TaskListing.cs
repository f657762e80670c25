using System.Collections.Immutable;
using CloudController.Domain.Access;
using CloudController.Domain.Validation;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Provisioning;

/// <summary>One task as a listing shows it: what <see cref="TaskListing"/> keeps of a task once it has ended.</summary>
public sealed record TaskSummary(
    string TaskId,
    TaskKind Kind,
    TaskState State,
    string Stage,
    int Percent,
    string VmId,
    string? HostId,
    string Model,
    string Hostname,
    string? Owner,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TaskSummary Of(ProvisioningTask t) => new(
        t.TaskId, t.Kind, t.State, t.Stage, t.Percent, t.Vm.VmId, t.HostId, t.Vm.Model, t.Vm.Hostname, t.Vm.Owner, t.Error, t.CreatedAt, t.UpdatedAt);
}

/// <summary>Which tasks a listing wants; every part optional. A host matches the host the task chose (or its VM's).</summary>
public sealed record TaskFilter(TaskState? State, TaskKind? Kind, string? Host, string? Owner, DateTimeOffset? Since)
{
    public static readonly TaskFilter All = new(null, null, null, null, null);

    /// <summary>The filter for the words a caller gave (empty: any), or the fields it got wrong.</summary>
    public static (TaskFilter? Filter, IReadOnlyList<FieldError> Errors) Parse(string? state, string? kind, string? host, string? owner, DateTimeOffset? since)
    {
        var errors = new List<FieldError>();
        TaskState? parsedState = null;
        TaskKind? parsedKind = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (Enum.TryParse<TaskState>(state.Trim(), ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(state, out _)) parsedState = s;
            else errors.Add(new FieldError("state", $"'{HostnameRules.Printable(state)}' is not a task state", $"use one of {string.Join(", ", Enum.GetNames<TaskState>())}"));
        }
        if (!string.IsNullOrWhiteSpace(kind))
        {
            if (Enum.TryParse<TaskKind>(kind.Trim(), ignoreCase: true, out var k) && Enum.IsDefined(k) && !int.TryParse(kind, out _)) parsedKind = k;
            else errors.Add(new FieldError("kind", $"'{HostnameRules.Printable(kind)}' is not a task kind", $"use one of {string.Join(", ", Enum.GetNames<TaskKind>())}"));
        }
        return errors.Count > 0
            ? (null, errors)
            : (new TaskFilter(parsedState, parsedKind, Blank(host), Blank(owner), since), []);
    }

    public bool Matches(TaskSummary t) =>
        (State is not { } state || t.State == state) &&
        (Kind is not { } kind || t.Kind == kind) &&
        (Host is null || string.Equals(t.HostId, Host, StringComparison.Ordinal)) &&
        (Owner is null || string.Equals(t.Owner, Owner, StringComparison.Ordinal)) &&
        (Since is not { } since || t.CreatedAt >= since);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>
/// Every task, for listing: folded from the tasks' journaled events. A task still running is kept whole (its next
/// event needs it); an ended one only as its summary, so the listing stays small however many tasks have run. What
/// the tasks did to each VM is kept too, for its history (<see cref="VmHistory"/>).
/// </summary>
public sealed class TaskListing
{
    private readonly Dictionary<string, ProvisioningTask> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskSummary> _summaries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableList<VmHistoryEntry>> _vmHistories = new(StringComparer.Ordinal);

    /// <summary>Applies an event of the task journaled under <paramref name="taskId"/>; one whose creation was never seen is ignored.</summary>
    public void Apply(string taskId, IDomainEvent e)
    {
        if (e is TaskCreated created)
        {
            // A task is created once; the same event seen again changes nothing.
            if (!_summaries.ContainsKey(created.TaskId)) Track(ProvisioningTask.Create(created), e);
            return;
        }
        if (_running.TryGetValue(taskId, out var task)) Track(task.Apply(e), e);
    }

    /// <summary>What the tasks of VM <paramref name="vmId"/> did to it, oldest first.</summary>
    public IReadOnlyList<VmHistoryEntry> HistoryOf(string vmId) =>
        _vmHistories.TryGetValue(vmId, out var history) ? history : [];

    /// <summary>The tasks <paramref name="viewer"/> may see that match, oldest first: the newest <paramref name="limit"/> of them.</summary>
    public IReadOnlyList<TaskSummary> List(ApiUser? viewer, TaskFilter filter, int limit)
    {
        var matching = _summaries.Values
            .Where(t => Ownership.Permits(viewer, t.Owner) && filter.Matches(t))
            .OrderBy(t => t.CreatedAt)
            .ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .ToList();
        return matching.Count <= limit ? matching : matching[^limit..];
    }

    private void Track(ProvisioningTask task, IDomainEvent e)
    {
        if (VmHistory.OfTask(task, e) is { } entry)
            _vmHistories[task.Vm.VmId] = VmHistory.Add(_vmHistories.GetValueOrDefault(task.Vm.VmId, []), entry);
        _summaries[task.TaskId] = TaskSummary.Of(task);
        if (task.IsEnded) _running.Remove(task.TaskId);
        else _running[task.TaskId] = task;
    }
}
