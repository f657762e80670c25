namespace CloudController.Domain.Fleet;

/// <summary>
/// Whether a host sends its status to every node's fleet view after a monitoring check. Every host checking every
/// couple of seconds and publishing each time is hosts / interval messages per second to each node, most of them
/// saying nothing new (5,000 a second for 10,000 hosts). A status goes out when what placement reads changed, and
/// otherwise once every refresh interval, which bounds how long a message lost on the way leaves a view behind.
/// A host that just started (registered, recovered, moved to another node) sends after every check for a while:
/// pub-sub subscriptions spread between nodes by gossip, so a status sent before its node knows every view may miss one.
/// </summary>
/// <param name="Last">The status last sent; null before the first.</param>
/// <param name="SentAt">When it was sent.</param>
/// <param name="EagerUntil">Until when every check sends.</param>
public sealed record StatusPublication(HostSnapshot? Last, DateTimeOffset SentAt, DateTimeOffset EagerUntil)
{
    /// <summary>A host starting now, sending after every check for <paramref name="eagerFor"/>.</summary>
    public static StatusPublication StartingAt(DateTimeOffset now, TimeSpan eagerFor) => new(null, DateTimeOffset.MinValue, now + eagerFor);

    /// <summary>A CPU load that moved less than this is no news: real hosts' load moves a little at every check.</summary>
    public const double LoadStep = 0.05;

    public bool IsDue(HostSnapshot next, DateTimeOffset now, TimeSpan refresh) =>
        Last is null || now < EagerUntil || now - SentAt >= refresh || !SameForPlacement(Last, next);

    public StatusPublication Sent(HostSnapshot status, DateTimeOffset now) => this with { Last = status, SentAt = now };

    /// <summary>Equal in everything placement and the listings read, except when it was observed and small load moves.</summary>
    public static bool SameForPlacement(HostSnapshot a, HostSnapshot b) =>
        a.HostId == b.HostId && a.State == b.State && a.HardwareClass == b.HardwareClass
        && a.CpuFlags.SequenceEqual(b.CpuFlags)
        && a.Capacity == b.Capacity && a.Reserved == b.Reserved && a.Allocated == b.Allocated
        && a.VmCount == b.VmCount && a.ReservationCount == b.ReservationCount
        && Math.Abs(a.CpuLoad - b.CpuLoad) < LoadStep
        && SameSet(a.Groups, b.Groups) && SameSet(a.CachedImages, b.CachedImages)
        && a.CpuAllocationRatio.Equals(b.CpuAllocationRatio)
        && SameDrift(a.Drift, b.Drift);

    private static bool SameSet(IReadOnlySet<string>? a, IReadOnlySet<string>? b) =>
        (a is null || a.Count == 0) ? b is null || b.Count == 0 : b is not null && a.SetEquals(b);

    private static bool SameDrift(HostDrift? a, HostDrift? b) =>
        (a is null || a.IsEmpty) ? b is null || b.IsEmpty
            : b is not null && a.UnknownVms.SequenceEqual(b.UnknownVms) && a.LostVms.SequenceEqual(b.LostVms);
}
