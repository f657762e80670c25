using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

/// <summary>
/// A pool's state: its definition, the desired count, every child it holds with its state, the next child number,
/// and its failures. Rebuilt exactly from its journal; the reconciler decides what changes.
/// </summary>
public sealed record ChildPool(
    PoolDefinition? Definition,
    ImmutableSortedDictionary<string, PoolChild> Children,
    long NextNumber,
    int FailedTotal,
    string? LastFailure,
    bool Deleting,
    bool Deleted) : IDomainState
{
    /// <summary>A bound that catches a mistyped count before it turns into a fleet's worth of forks.</summary>
    public const int MaxDesired = 100_000;

    public static readonly ChildPool Empty = new(
        null, ImmutableSortedDictionary<string, PoolChild>.Empty.WithComparers(StringComparer.Ordinal), 1, 0, null, false, false);

    public bool Exists => Definition is not null && !Deleted;

    public int Desired => Deleting ? 0 : Definition?.Desired ?? 0;

    public int Count(ChildState state) => Children.Values.Count(c => c.State == state);

    public IEnumerable<PoolChild> InState(ChildState state) => Children.Values.Where(c => c.State == state);

    public ChildPool Apply(IDomainEvent e) => e switch
    {
        PoolCreated c => Empty with { Definition = c.Definition },
        PoolScaled s => this with { Definition = Definition! with { Desired = s.Desired } },
        ChildrenPlanned p => this with
        {
            Children = Children.SetItems(p.Children.Select(c => KeyValuePair.Create(c.ChildId, c))),
            NextNumber = Math.Max(NextNumber, p.Children.Max(c => c.Number) + 1),
        },
        ChildrenReady r => Move(r.ChildIds, ChildState.Ready),
        ChildrenStarted s => this with
        {
            Children = Children.SetItems(s.ChildIds.Where(Children.ContainsKey).Select(id => KeyValuePair.Create(id, Children[id] with { Running = true }))),
        },
        ChildrenFailed f => Move(f.ChildIds, ChildState.Removing) with { FailedTotal = FailedTotal + f.ChildIds.Length, LastFailure = f.Reason },
        ChildrenLost l => Move(l.ChildIds, ChildState.Lost),
        ChildrenRemoving r => Move(r.ChildIds, ChildState.Removing),
        ChildrenRemoved r => this with { Children = Children.RemoveRange(r.ChildIds) },
        PoolDeleting => this with { Deleting = true },
        PoolDeleted => this with { Deleted = true, Children = Children.Clear() },
        _ => this,
    };

    public Decision Create(PoolDefinition definition)
    {
        if (Exists) return Definition!.Equals(definition) ? Decision.AlreadyDone : Decision.Refuse($"pool {definition.Name} exists with another definition");
        if (Deleting && !Deleted) return Decision.Refuse($"pool {definition.Name} is still being deleted; create it again when it is gone");
        return Decision.Persist(new PoolCreated(definition));
    }

    public Decision Scale(int desired)
    {
        if (!Exists) return Decision.Refuse("the pool does not exist");
        if (Deleting) return Decision.Refuse("the pool is being deleted");
        if (desired is < 0 or > MaxDesired) return Decision.Refuse($"desired must be 0-{MaxDesired}, not {desired}");
        return desired == Definition!.Desired ? Decision.AlreadyDone : Decision.Persist(new PoolScaled(desired));
    }

    /// <summary>Ready children that wait powered off, lowest numbers first: the next ones to start on demand.</summary>
    public IEnumerable<PoolChild> Startable(int count) =>
        InState(ChildState.Ready).Where(c => !c.Running).OrderBy(c => c.Number).Take(count);

    public int RunningCount => Children.Values.Count(c => c.State == ChildState.Ready && c.Running);

    public Decision Delete()
    {
        if (!Exists) return Decision.AlreadyDone;
        return Deleting ? Decision.AlreadyDone : Decision.Persist(new PoolDeleting());
    }

    private ChildPool Move(ImmutableArray<string> ids, ChildState state)
    {
        var children = Children.ToBuilder();
        foreach (var id in ids)
        {
            if (children.TryGetValue(id, out var child)) children[id] = child with { State = state };
        }
        return this with { Children = children.ToImmutable() };
    }
}
