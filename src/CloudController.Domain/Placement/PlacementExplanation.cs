namespace CloudController.Domain.Placement;

/// <summary>
/// Says in words why placement chose what it chose, or why no host fits, with the rejections counted by reason:
/// "no host fits 4 vCPU, 8192 MiB, 40 GiB: 7 hosts considered: 4 lack memory, 2 draining, 1 lacks CPU flag avx2".
/// Never a bare "no valid host".
/// </summary>
public static class PlacementExplanation
{
    public static string Explain(PlacementDecision decision, PlacementRequest request)
    {
        var rejected = Summarize(decision);
        if (!decision.Found)
        {
            return decision.HostsConsidered == 0
                ? $"no host fits {request.Amount}: the fleet view knows no hosts yet"
                : $"no host fits {request.Amount}: {decision.HostsConsidered} hosts considered: {rejected}";
        }
        var fitting = decision.HostsConsidered - decision.Rejections.Length;
        var why = request.Strategy == PlacementStrategy.Spread ? "most free memory" : "fullest host that fits";
        return decision.Rejections.Length == 0
            ? $"{decision.Candidates[0]} ({why}) of {fitting} fitting hosts"
            : $"{decision.Candidates[0]} ({why}) of {fitting} fitting hosts; {decision.Rejections.Length} rejected: {rejected}";
    }

    /// <summary>"4 lack memory, 2 draining, 1 lacks CPU flag avx2", largest group first.</summary>
    public static string Summarize(PlacementDecision decision) => string.Join(", ",
        decision.Rejections
            .GroupBy(r => Reason(r))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {(g.Count() == 1 ? g.Key : Plural(g.Key))}"));

    /// <summary>The part of a rejection that groups: the amounts in a capacity reason differ per host.</summary>
    private static string Reason(HostRejection r) =>
        r.Filter == PlacementPolicy.CapacityFilter && r.Reason.IndexOf(" (", StringComparison.Ordinal) is > 0 and var cut
            ? r.Reason[..cut]
            : r.Reason;

    /// <summary>The reason's verb agreeing with a count above one: "lacks memory" becomes "lack memory".</summary>
    private static string Plural(string reason)
    {
        foreach (var (one, many) in new[] { ("lacks ", "lack "), ("already runs ", "already run "), ("runs ", "run "), ("is ", "are ") })
        {
            if (reason.StartsWith(one, StringComparison.Ordinal)) return many + reason[one.Length..];
        }
        return reason;
    }
}
