using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

/// <summary>What an autoscaler may ask of a pool: grow it within its max, take back requests not yet fulfilled, and
/// remove named children; each refused with the reason and the fix, never below min or past max.</summary>
public sealed partial record ChildPool
{
    public Decision SetAutoscaling(PoolAutoscaling? autoscaling)
    {
        if (Refusal() is { } refusal) return refusal;
        if (Equals(Definition!.Autoscaling, autoscaling)) return Decision.AlreadyDone;
        if (autoscaling?.Problems() is [var first, ..]) return Decision.Refuse($"{first.Field}: {first.Problem}; {first.Fix}");
        if (autoscaling is not null && (Desired < autoscaling.Min || Desired > autoscaling.Max))
        {
            return Decision.Refuse($"pool {Definition.Name} wants {Desired} children, outside {autoscaling.Min}-{autoscaling.Max}: " +
                                   $"scale it into the bounds first, or give bounds that include {Desired}");
        }
        return Decision.Persist(new PoolAutoscalingSet(autoscaling));
    }

    /// <summary>Raises the desired count by <paramref name="delta"/> children, up to the pool's max.</summary>
    public Decision Grow(int delta)
    {
        if (AutoscalingRefusal() is { } refusal) return refusal;
        if (delta <= 0) return Decision.Refuse($"delta must be positive to grow a pool, not {delta}");
        var max = Definition!.Autoscaling!.Max;
        if ((long)Desired + delta > max)
        {
            return Decision.Refuse($"pool {Definition.Name} would grow to {(long)Desired + delta} children, past its max of {max}: " +
                                   $"ask for at most {max - Desired} more, or raise the max with `ccm pool set {Definition.Name} --max N`");
        }
        return Decision.Persist(new PoolScaled(Desired + delta));
    }

    /// <summary>Lowers the desired count by children asked for but not yet forked (delta is negative); never removes one.</summary>
    public Decision ShrinkTarget(int delta)
    {
        if (AutoscalingRefusal() is { } refusal) return refusal;
        if (delta >= 0) return Decision.Refuse($"delta must be negative to lower a target, not {delta}");
        var existing = Count(ChildState.Forking) + Count(ChildState.Ready);
        var target = (long)Desired + delta;
        if (target < existing)
        {
            return Decision.Refuse($"pool {Definition!.Name} has {existing} children for a target of {Desired}: only {Math.Max(0, Desired - existing)} " +
                                   $"requested children are unfulfilled, so lowering it by {-delta} would remove existing ones; delete those by name instead");
        }
        var min = Definition!.Autoscaling!.Min;
        if (target < min) return Decision.Refuse($"pool {Definition.Name} would fall to {target} children, below its min of {min}");
        return Decision.Persist(new PoolScaled((int)target));
    }

    /// <summary>Removes the named children and lowers the desired count by as many, so that none is replaced.</summary>
    public Decision RemoveChildren(IReadOnlyCollection<string> childIds, string reason)
    {
        if (Refusal() is { } refusal) return refusal;
        if (childIds.Count == 0) return Decision.Refuse("name at least one child to remove");
        if (childIds.FirstOrDefault(id => !Children.ContainsKey(id)) is { } unknown)
            return Decision.Refuse($"{unknown} is not a child of pool {Definition!.Name}");
        var removing = childIds.Distinct(StringComparer.Ordinal).Where(id => Children[id].State != ChildState.Removing).ToImmutableArray();
        if (removing.IsEmpty) return Decision.AlreadyDone;
        var target = Math.Max(0, Desired - removing.Length);
        if (Definition!.Autoscaling is { } bounds && target < bounds.Min)
        {
            return Decision.Refuse($"removing {removing.Length} children would take pool {Definition.Name} to {target}, below its min of {bounds.Min}: " +
                                   $"remove at most {Math.Max(0, Desired - bounds.Min)}, or lower the min with `ccm pool set {Definition.Name} --min N`");
        }
        return Decision.Persist(new NamedChildrenRemoving(removing, target, reason));
    }

    private Decision? Refusal() => !Exists
        ? Decision.Refuse("the pool does not exist")
        : Deleting ? Decision.Refuse("the pool is being deleted") : null;

    private Decision? AutoscalingRefusal() => Refusal() ?? (Definition!.Autoscaling is null
        ? Decision.Refuse($"pool {Definition.Name} does not take part in autoscaling: turn it on with `ccm pool set {Definition.Name} --autoscale --min N --max M`")
        : null);
}
