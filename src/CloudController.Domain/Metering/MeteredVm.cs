namespace CloudController.Domain.Metering;

/// <summary>
/// One VM or pool child as usage sees it: whose it is, what it holds, and when it was in use. <see cref="Source"/>
/// names where it is observed ("vms", or "pool:NAME"), so that only a source seen whole can end it.
/// </summary>
public sealed record MeteredVm(string SubjectId, string Owner, string Source, Resources Hardware, DateTimeOffset Started, DateTimeOffset? Ended = null)
{
    /// <summary>Hours of use within [from, to), counting an open one as in use until <paramref name="now"/>.</summary>
    public double HoursWithin(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        var start = Started > from ? Started : from;
        var endOfUse = Ended ?? now;
        var end = endOfUse < to ? endOfUse : to;
        return end > start ? (end - start).TotalHours : 0;
    }
}

/// <summary>What was seen in use at one sample: every live VM of each source that could be read whole.</summary>
public sealed record UsageObservation(DateTimeOffset At, IReadOnlySet<string> SourcesSeen, IReadOnlyCollection<MeteredVm> Live);

/// <summary>One owner's usage over a period, and what it holds now.</summary>
public sealed record UsageRow(
    string Owner,
    int VmsStarted,
    double VmHours,
    double CoreHours,
    double MemoryGibHours,
    double DiskGibHours,
    int VmsHeld,
    Resources Held);
