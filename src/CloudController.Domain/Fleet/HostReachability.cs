namespace CloudController.Domain.Fleet;

/// <summary>
/// Whether a host answers its driver, and when it last reconciled. A host that stops answering is unreachable only
/// once it has been silent for the configured time (one lost answer is not an outage); when it answers again after
/// that it reconciles, as it does at its first answer and then periodically, so that drift on a host that never went
/// away is found too.
/// </summary>
public sealed record HostReachability(DateTimeOffset? SilentSince, DateTimeOffset? ReconciledAt)
{
    /// <summary>As a host entity starts: not known silent, not yet reconciled with what its host runs.</summary>
    public static readonly HostReachability Started = new(null, null);

    public HostReachability Failed(DateTimeOffset now) => SilentSince is null ? this with { SilentSince = now } : this;

    public bool IsUnreachable(DateTimeOffset now, TimeSpan after) => SilentSince is { } since && now - since >= after;

    /// <summary>
    /// The host answered: whether it should reconcile now (the first answer since the entity started, the first after
    /// being unreachable, or the first once <paramref name="every"/> has passed since it last did), and the
    /// reachability after.
    /// </summary>
    public (HostReachability Next, bool Reconcile) Answered(DateTimeOffset now, TimeSpan after, TimeSpan every)
    {
        var reconcile = ReconciledAt is not { } last || IsUnreachable(now, after) || now - last >= every;
        return (new HostReachability(null, reconcile ? now : ReconciledAt), reconcile);
    }
}
