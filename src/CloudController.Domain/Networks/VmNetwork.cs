using System.Collections.Immutable;

namespace CloudController.Domain.Networks;

public enum NetworkPhase
{
    /// <summary>Its members' tasks run.</summary>
    Provisioning,
    /// <summary>Every member runs.</summary>
    Ready,
    /// <summary>A member failed: the others are being aborted or deleted.</summary>
    RollingBack,
    /// <summary>Nothing of it is left.</summary>
    RolledBack,
}

/// <summary>
/// A member as the network records it: its plan, and what its provisioning task needs (the VM record, the base image),
/// so that the network can start the task again after a crash.
/// </summary>
public sealed record NetworkMemberRecord(PlannedMember Plan, Vms.VmRecord Vm, string BaseImage, long BaseImageGib)
{
    public string VmId => Vm.VmId;

    public string TaskId => Vm.TaskId;
}

/// <summary>
/// A network provisioned as one unit: all its members run, or none is left. Its phase moves forward only; a network
/// interrupted by a crash carries on from its journal.
/// </summary>
public sealed record VmNetwork(string Name, ImmutableArray<NetworkMemberRecord> Members, NetworkPhase Phase, string? Failure) : IDomainState
{
    public static VmNetwork? Apply(VmNetwork? network, IDomainEvent e) => e switch
    {
        NetworkPlanned p => new VmNetwork(p.Name, p.Members, NetworkPhase.Provisioning, null),
        NetworkReady when network is not null => network with { Phase = NetworkPhase.Ready },
        NetworkRollingBack r when network is not null => network with { Phase = NetworkPhase.RollingBack, Failure = r.Reason },
        NetworkRolledBack when network is not null => network with { Phase = NetworkPhase.RolledBack },
        _ => network,
    };

    /// <summary>Task ids of the deletions a rollback starts: derived, so a rollback repeated after a crash starts each once.</summary>
    public static string UndoTaskId(string memberTaskId) => $"{memberTaskId}-undo";
}

public sealed record NetworkPlanned(string Name, ImmutableArray<NetworkMemberRecord> Members) : IDomainEvent;

public sealed record NetworkReady : IDomainEvent;

public sealed record NetworkRollingBack(string Reason) : IDomainEvent;

public sealed record NetworkRolledBack : IDomainEvent;
