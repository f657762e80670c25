using CloudController.Domain.Fleet;

namespace CloudController.Domain.Vms;

public enum VmState
{
    /// <summary>A task is creating it; it may still be rolled back.</summary>
    Provisioning,
    Running,
    /// <summary>A task is removing it.</summary>
    Deleting,
}

/// <summary>
/// The controller's record of one VM. It exists from the moment a provisioning task accepts the request (before
/// a host is chosen) until the VM is deleted or its provisioning rolled back.
/// </summary>
public sealed record VmRecord(
    string VmId,
    string Hostname,
    string Model,
    Resources Hardware,
    VmState State,
    string? HostId,
    string DiskLayerId,
    string TaskId,
    DateTimeOffset CreatedAt,
    VmIdentity? Identity = null,
    string? Group = null,
    Placement.GroupPolicy GroupPolicy = Placement.GroupPolicy.None)
{
    public VmRecord Apply(IDomainEvent e) => e switch
    {
        VmPlaced p => this with { HostId = p.HostId, State = VmState.Running },
        VmDeletionStarted d => this with { State = VmState.Deleting, TaskId = d.TaskId },
        _ => this,
    };

    /// <summary>Records that the VM runs on its host; repeating it is a no-op.</summary>
    public LedgerDecision Place(string hostId) => State switch
    {
        VmState.Running when HostId == hostId => LedgerDecision.AlreadyDone,
        VmState.Provisioning => LedgerDecision.Persist(new VmPlaced(hostId)),
        _ => LedgerDecision.Refuse($"the VM is {State}, not being provisioned"),
    };

    public LedgerDecision StartDeletion(string taskId) => State switch
    {
        VmState.Deleting when TaskId == taskId => LedgerDecision.AlreadyDone,
        VmState.Running => LedgerDecision.Persist(new VmDeletionStarted(taskId)),
        VmState.Provisioning => LedgerDecision.Refuse($"the VM is being provisioned by task {TaskId}; abort that task instead"),
        _ => LedgerDecision.Refuse($"the VM is already being deleted by task {TaskId}"),
    };
}

public sealed record VmRecordCreated(VmRecord Record) : IDomainEvent;

/// <summary>The VM runs on its host: its provisioning committed.</summary>
public sealed record VmPlaced(string HostId) : IDomainEvent;

public sealed record VmDeletionStarted(string TaskId) : IDomainEvent;

public sealed record VmRecordRemoved(string Reason) : IDomainEvent;
