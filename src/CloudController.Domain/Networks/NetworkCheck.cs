using System.Collections.Immutable;
using CloudController.Domain.Provisioning;

namespace CloudController.Domain.Networks;

/// <summary>What a network saw of its members: each one's task (null if not started), each one's deletion while rolling back, and the roles whose VM still exists.</summary>
public sealed record MembersSeen(
    ImmutableDictionary<string, ProvisioningTask?> Tasks,
    ImmutableDictionary<string, ProvisioningTask?> Undos,
    ImmutableHashSet<string> VmsLeft);

/// <summary>
/// What a look at its members comes to: the phase it moves to (an event, or none yet), the members to abort and the
/// ones to delete while rolling back, and each member's state as the network lists it.
/// </summary>
public sealed record NetworkCheck(
    IDomainEvent? Event,
    ImmutableArray<NetworkMemberRecord> ToAbort,
    ImmutableArray<NetworkMemberRecord> ToDelete,
    ImmutableDictionary<string, string> States)
{
    public static NetworkCheck Of(VmNetwork network, MembersSeen seen)
    {
        var states = network.Members.ToImmutableDictionary(m => m.Plan.Role, m =>
            seen.Undos.GetValueOrDefault(m.Plan.Role) is { } undo ? $"deleting: {undo.Stage}" : seen.Tasks.GetValueOrDefault(m.Plan.Role)?.Stage ?? "starting");
        var tasks = seen.Tasks;
        switch (network.Phase)
        {
            case NetworkPhase.Provisioning when network.Members.All(m => tasks.GetValueOrDefault(m.Plan.Role)?.State == TaskState.Succeeded):
                return new NetworkCheck(new NetworkReady(), [], [], states);
            case NetworkPhase.Provisioning when network.Members.FirstOrDefault(m => tasks.GetValueOrDefault(m.Plan.Role)?.State is TaskState.Failed or TaskState.Aborted) is { } failed:
                return new NetworkCheck(new NetworkRollingBack($"member {failed.Plan.Role} failed: {tasks[failed.Plan.Role]!.Error}"), [], [], states);
            case NetworkPhase.RollingBack when seen.VmsLeft.IsEmpty && network.Members.All(m => tasks.GetValueOrDefault(m.Plan.Role) is null or { IsEnded: true }):
                return new NetworkCheck(new NetworkRolledBack(), [], [], states);
            case NetworkPhase.RollingBack:
                // A member still running is aborted; one that was made is deleted, once (its delete task id is derived from its task).
                var abort = network.Members.Where(m => tasks.GetValueOrDefault(m.Plan.Role) is { State: TaskState.Running }).ToImmutableArray();
                var delete = network.Members.Where(m => tasks.GetValueOrDefault(m.Plan.Role) is { State: TaskState.Succeeded }
                    && seen.VmsLeft.Contains(m.Plan.Role) && seen.Undos.GetValueOrDefault(m.Plan.Role) is null).ToImmutableArray();
                return new NetworkCheck(null, abort, delete, states);
            default:
                return new NetworkCheck(null, [], [], states);
        }
    }
}
