namespace CloudController.Domain.Pools;

public enum ChildState
{
    /// <summary>Recorded with its identity and host; being forked. Finished or cleaned up, even after a crash.</summary>
    Forking,

    /// <summary>Forked and customized: counts toward the pool.</summary>
    Ready,

    /// <summary>Its host stopped answering: replaced, and removed once the host is back.</summary>
    Lost,

    /// <summary>Surplus, failed or lost: being removed from its host; gone from the pool once that is done.</summary>
    Removing,
}

/// <summary>
/// One child of a pool: its identity (unique in the pool and its address range), its host and its state, and whether
/// it runs (a pool may fork children powered off, to start on demand), and why it is being replaced, if it failed or
/// was lost.
/// </summary>
public sealed record PoolChild(
    string ChildId,
    long Number,
    string Name,
    string Mac,
    string Ip,
    Guid MachineId,
    string HostId,
    ChildState State,
    DateTimeOffset CreatedAt,
    bool Running = true,
    string? Failure = null)
{
    /// <summary>Its own disk layer, copy-on-write over the replica's.</summary>
    public string DiskLayerId => $"{ChildId}-disk";
}
