using CloudController.Domain.Pools;
using static CloudController.Api.Autoscaling.InstanceStatus.Types;
using static CloudController.Cluster.Pools.ChildPoolProtocol;

namespace CloudController.Api.Autoscaling;

/// <summary>
/// A pool's children as the autoscaler's instances. The error codes it may see (README, Autoscaling):
/// <c>fork-failed</c> (the child's fork failed; it is being removed and replaced), <c>host-unreachable</c> (its host
/// stopped answering; replaced, removed when the host is back), and <c>no-capacity</c> on a stand-in for a child the
/// pool cannot fork now (no host has room, or the address range is used up), so that the autoscaler backs off the group.
/// </summary>
public static class NodeGroupInstances
{
    /// <summary>Cluster Autoscaler's InstanceErrorClass values.</summary>
    private const int OutOfResources = 1;
    private const int OtherError = 99;

    public static IEnumerable<Instance> Of(PoolStatus pool)
    {
        var name = pool.Definition.Name;
        foreach (var child in pool.Children!)
        {
            var (state, error) = child.State switch
            {
                ChildState.Forking => (InstanceState.InstanceCreating, null),
                ChildState.Ready => (InstanceState.InstanceRunning, null),
                ChildState.Lost => (InstanceState.InstanceDeleting, Error("host-unreachable", child.Failure, OtherError)),
                _ => (InstanceState.InstanceDeleting, child.Failure is null ? null : Error("fork-failed", child.Failure, OtherError)),
            };
            yield return Instance(new ProviderId(name, child.ChildId), state, error);
        }
        if (pool.Shortfall is not { } shortfall) yield break;
        var unfulfilled = pool.Definition.Desired - pool.Forking - pool.Ready;
        for (var i = 1; i <= unfulfilled; i++)
            yield return Instance(ProviderId.Unfulfilled(name, i), InstanceState.InstanceCreating, Error("no-capacity", shortfall, OutOfResources));
    }

    private static InstanceErrorInfo Error(string code, string? message, int errorClass) =>
        new() { ErrorCode = code, ErrorMessage = message ?? "", InstanceErrorClass = errorClass };

    private static Instance Instance(ProviderId id, InstanceState state, InstanceErrorInfo? error)
    {
        var status = new InstanceStatus { InstanceState = state };
        if (error is not null) status.ErrorInfo = error;
        return new Instance { Id = id.ToString(), Status = status };
    }
}
