using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

/// <summary>What a batch came to: children now ready, children that failed (by reason), children removed.</summary>
public sealed record BatchOutcome(
    ImmutableArray<string> Ready,
    ImmutableDictionary<string, ImmutableArray<string>> FailedByReason,
    ImmutableArray<string> Removed)
{
    /// <summary>A batch that had nothing to do.</summary>
    public static readonly BatchOutcome None = new([], ImmutableDictionary<string, ImmutableArray<string>>.Empty, []);
}

/// <summary>
/// How a pool records a batch's outcome: the events to journal (none when nothing changed), the children gone whose
/// activation tokens must not outlive them, and how many batches in a row have now been interrupted (0 to go on at
/// once, more to back off).
/// </summary>
public sealed record BatchRecord(ImmutableArray<IDomainEvent> Events, ImmutableArray<string> Gone, int Interruptions);
