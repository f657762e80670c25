using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

public sealed partial record ChildPool
{
    /// <summary>
    /// The record of a batch that forked <paramref name="forked"/> and removed <paramref name="removed"/>. A batch
    /// where a fork failed, or that left children it could not remove, counts as one more interruption in a row, so
    /// that the next round backs off; a clean batch resets the count.
    /// </summary>
    public BatchRecord RecordBatch(BatchOutcome forked, BatchOutcome removed, int interruptions)
    {
        var events = ImmutableArray.CreateBuilder<IDomainEvent>();
        if (!forked.Ready.IsEmpty) events.Add(new ChildrenReady(forked.Ready));
        events.AddRange(forked.FailedByReason.Select(f => new ChildrenFailed(f.Value, f.Key)));
        if (!removed.Removed.IsEmpty) events.Add(new ChildrenRemoved(removed.Removed));
        var stuck = Count(ChildState.Removing) - removed.Removed.Length > 0;
        var gone = forked.FailedByReason.Values.SelectMany(ids => ids).Concat(removed.Removed).ToImmutableArray();
        return new BatchRecord(events.ToImmutable(), gone, forked.FailedByReason.IsEmpty && !stuck ? 0 : interruptions + 1);
    }
}
