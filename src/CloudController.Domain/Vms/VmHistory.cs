using System.Collections.Immutable;
using CloudController.Domain.Provisioning;

namespace CloudController.Domain.Vms;

/// <summary>
/// One thing that happened to a VM, as `ccm vm events` lists it: when, what (a task asked for or ended, a host chosen,
/// a power change, a move, a provisioning-data generation, a loss), its detail, who asked (null when no one is known:
/// access control off, or the controller itself) and the task it was part of.
/// </summary>
public sealed record VmHistoryEntry(DateTimeOffset At, string Event, string Detail, string? By, string? TaskId);

/// <summary>
/// What a VM's history holds, decided from the events its tasks and its record journal: the mapping is pure, the
/// read models keep the entries. Only what someone asked for and what changed where or how the VM runs is kept; a
/// task's other steps stay in `ccm task show`.
/// </summary>
public static class VmHistory
{
    /// <summary>How many entries a read model keeps per VM and source (its tasks, its record), the newest.</summary>
    public const int Kept = 500;

    /// <summary>The entry a task's event adds to its VM's history, given the task as that event left it; null for none.</summary>
    public static VmHistoryEntry? OfTask(ProvisioningTask task, IDomainEvent e)
    {
        VmHistoryEntry Entry(DateTimeOffset at, string what, string detail) => new(at, what, detail, task.RequestedBy, task.TaskId);
        var kind = KindName(task.Kind);
        return e switch
        {
            TaskCreated c => Entry(c.At, $"{kind} requested", task.History[0].Message),
            HostChosen h when task.Kind == TaskKind.Migrate => Entry(h.At, "target chosen", $"{h.HostId}, away from {task.SourceHostId}"),
            HostChosen h => Entry(h.At, "host chosen", h.HostId),
            StepCompleted { Step: TaskStep.PoweringOn } s => Entry(s.At, "powered on", $"on {task.HostId}"),
            StepCompleted { Step: TaskStep.Resuming } s => Entry(s.At, "resumed", $"on {task.HostId}"),
            StepCompleted { Step: TaskStep.SwitchingOver } s => Entry(s.At, "moved", $"from {task.SourceHostId} to {task.HostId}"),
            StepCompleted { Step: TaskStep.PoweringOff } s => Entry(s.At, "powered off", $"on {task.Vm.HostId}"),
            StepUndone { Step: TaskStep.PoweringOn or TaskStep.Resuming } u => Entry(u.At, "powered off", $"on {task.HostId}, rolling back"),
            StepFailed f => Entry(f.At, $"{kind} step failed", $"{f.Step}: {f.Error}"),
            AbortRequested a => Entry(a.At, $"{kind} abort requested", a.Reason),
            TaskFinished f => Entry(f.At, $"{kind} {f.Outcome.ToString().ToLowerInvariant()}", task.Error ?? ""),
            _ => null,
        };
    }

    /// <summary>
    /// The entry an event of the VM's record adds; null for none. Provisioning data is named by its keys, never its
    /// values (they may be secrets); a change journaled before times were recorded has no place in time and is left out.
    /// </summary>
    public static VmHistoryEntry? OfRecord(IDomainEvent e) => e switch
    {
        VmDataChanged { At: { } at } d => new VmHistoryEntry(at, $"config generation {d.Generation}", DataChange(d), d.By, null),
        VmLost l => new VmHistoryEntry(l.At, "lost", $"from {l.HostId}: {l.Reason}", null, null),
        _ => null,
    };

    /// <summary>Adds an entry, keeping the newest <see cref="Kept"/>.</summary>
    public static ImmutableList<VmHistoryEntry> Add(ImmutableList<VmHistoryEntry> history, VmHistoryEntry entry)
    {
        var next = history.Add(entry);
        return next.Count > Kept ? next.RemoveRange(0, next.Count - Kept) : next;
    }

    /// <summary>Both sources in one history, oldest first; entries of the same instant keep their order, tasks' first.</summary>
    public static IReadOnlyList<VmHistoryEntry> Merge(IEnumerable<VmHistoryEntry> ofTasks, IEnumerable<VmHistoryEntry> ofRecord) =>
        ofTasks.Concat(ofRecord).OrderBy(e => e.At).ToList();

    private static string KindName(TaskKind kind) => kind switch
    {
        TaskKind.InstantDeploy => "instant deploy",
        TaskKind.Migrate => "migration",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string DataChange(VmDataChanged d)
    {
        var parts = new List<string>();
        if (d.Set.Count > 0) parts.Add("set " + string.Join(", ", d.Set.Keys));
        if (d.Removed.Length > 0) parts.Add("removed " + string.Join(", ", d.Removed));
        return string.Join("; ", parts);
    }
}
