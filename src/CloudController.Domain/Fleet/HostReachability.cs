namespace CloudController.Domain.Fleet;

/// <summary>
/// Whether a host answers its driver. A host that stops answering is unreachable only once it has been silent for
/// the configured time (one lost answer is not an outage); when it answers again after that, it reconciles.
/// </summary>
public sealed record HostReachability(DateTimeOffset? SilentSince, bool Reconciled)
{
    /// <summary>As a host entity starts: not known silent, not yet reconciled with what its host runs.</summary>
    public static readonly HostReachability Started = new(null, false);

    public HostReachability Failed(DateTimeOffset now) => SilentSince is null ? this with { SilentSince = now } : this;

    public bool IsUnreachable(DateTimeOffset now, TimeSpan after) => SilentSince is { } since && now - since >= after;

    /// <summary>
    /// The host answered: whether it should reconcile now (the first answer since the entity started, or the first
    /// after being unreachable), and the reachability after.
    /// </summary>
    public (HostReachability Next, bool Reconcile) Answered(DateTimeOffset now, TimeSpan after) =>
        (new HostReachability(null, true), !Reconciled || IsUnreachable(now, after));
}
