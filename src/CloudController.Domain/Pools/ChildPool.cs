using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

/// <summary>
/// A pool's state: its definition, the desired count, every child it holds with its state, the next child number,
/// and its failures. Rebuilt exactly from its journal; the reconciler decides what changes.
/// </summary>
public sealed partial record ChildPool(
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
        // A child removed by name while it was being forked stays removed when its fork completes.
        ChildrenReady r => Move(r.ChildIds, ChildState.Ready, only: ChildState.Forking),
        ChildrenStarted s => this with
        {
            Children = Children.SetItems(s.ChildIds.Where(Children.ContainsKey).Select(id => KeyValuePair.Create(id, Children[id] with { Running = true }))),
        },
        ChildrenFailed f => Move(f.ChildIds, ChildState.Removing, failure: f.Reason) with { FailedTotal = FailedTotal + f.ChildIds.Length, LastFailure = f.Reason },
        ChildrenLost l => Move(l.ChildIds, ChildState.Lost, failure: l.Reason),
        ChildrenRemoving r => Move(r.ChildIds, ChildState.Removing),
        ChildrenRemoved r => this with { Children = Children.RemoveRange(r.ChildIds) },
        PoolAutoscalingSet a => this with { Definition = Definition! with { Autoscaling = a.Autoscaling } },
        NamedChildrenRemoving n => Move(n.ChildIds, ChildState.Removing) with { Definition = Definition! with { Desired = n.Desired } },
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
        if (Definition!.Autoscaling is { } bounds && (desired < bounds.Min || desired > bounds.Max))
        {
            return Decision.Refuse($"pool {Definition.Name} is autoscaled within {bounds.Min}-{bounds.Max}: scale it within those bounds, " +
                                   $"or change them with `ccm pool set {Definition.Name} --min N --max M`");
        }
        return desired == Definition!.Desired ? Decision.AlreadyDone : Decision.Persist(new PoolScaled(desired));
    }

    /// <summary>Ready children that wait powered off, lowest numbers first: the next ones to start on demand.</summary>
    public IEnumerable<PoolChild> Startable(int count) =>
        InState(ChildState.Ready).Where(c => !c.Running).OrderBy(c => c.Number).Take(count);

    /// <summary>Children being replaced now because their fork failed or their host stopped answering, each with why.</summary>
    public IEnumerable<PoolChild> Incidents =>
        Children.Values.Where(c => c.Failure is not null && c.State is ChildState.Lost or ChildState.Removing);

    public int RunningCount => Children.Values.Count(c => c.State == ChildState.Ready && c.Running);

    /// <summary>
    /// Children their host, reconciling, found gone: the ready ones there are lost, so replaced and then removed. Ones
    /// mid-fork or mid-removal are their batch's to finish, and a child on another host was not that host's to lose.
    /// </summary>
    public Decision MarkLost(string hostId, IReadOnlyCollection<string> childIds, string reason)
    {
        if (!Exists) return Decision.Refuse("the pool does not exist");
        var lost = childIds.Distinct(StringComparer.Ordinal)
            .Where(id => Children.TryGetValue(id, out var child) && child.State == ChildState.Ready && child.HostId == hostId)
            .ToImmutableArray();
        if (!lost.IsEmpty) return Decision.Persist(new ChildrenLost(lost, reason));
        return childIds.All(id => Children.TryGetValue(id, out var child) && child.State == ChildState.Lost)
            ? Decision.AlreadyDone
            : Decision.Refuse($"no ready child of pool {Definition!.Name} on host {hostId} among {string.Join(", ", childIds)}; " +
                              "one being forked or removed is its batch's to finish");
    }

    public Decision Delete()
    {
        if (!Exists) return Decision.AlreadyDone;
        return Deleting ? Decision.AlreadyDone : Decision.Persist(new PoolDeleting());
    }

    private ChildPool Move(ImmutableArray<string> ids, ChildState state, ChildState? only = null, string? failure = null)
    {
        var children = Children.ToBuilder();
        foreach (var id in ids)
        {
            if (children.TryGetValue(id, out var child) && (only is null || child.State == only))
                children[id] = child with { State = state, Failure = failure ?? child.Failure };
        }
        return this with { Children = children.ToImmutable() };
    }
}
