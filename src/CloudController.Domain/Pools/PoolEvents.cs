using System.Collections.Immutable;

namespace CloudController.Domain.Pools;

// A pool journals its children in batches: one event per reconcile step for however many children it touches,
// so that thousands of children cost a handful of journal writes.

public sealed record PoolCreated(PoolDefinition Definition) : IDomainEvent;

public sealed record PoolScaled(int Desired) : IDomainEvent;

public sealed record ChildrenPlanned(ImmutableArray<PoolChild> Children) : IDomainEvent;

public sealed record ChildrenReady(ImmutableArray<string> ChildIds) : IDomainEvent;

/// <summary>Children forked powered off were started on demand (from the forked state: no boot).</summary>
public sealed record ChildrenStarted(ImmutableArray<string> ChildIds) : IDomainEvent;

/// <summary>Children whose fork failed: they are being cleaned up and will be replaced.</summary>
public sealed record ChildrenFailed(ImmutableArray<string> ChildIds, string Reason) : IDomainEvent;

/// <summary>Children on a host that stopped answering: replaced at once, removed when the host is back.</summary>
public sealed record ChildrenLost(ImmutableArray<string> ChildIds, string Reason) : IDomainEvent;

/// <summary>Surplus children (or all of them, when the pool is deleted) being removed.</summary>
public sealed record ChildrenRemoving(ImmutableArray<string> ChildIds, string Reason) : IDomainEvent;

public sealed record ChildrenRemoved(ImmutableArray<string> ChildIds) : IDomainEvent;

public sealed record PoolDeleting : IDomainEvent;

public sealed record PoolDeleted : IDomainEvent;

/// <summary>The pool's autoscaling bounds were set (or, null, autoscaling turned off).</summary>
public sealed record PoolAutoscalingSet(PoolAutoscaling? Autoscaling) : IDomainEvent;

/// <summary>Named children removed on request, and the desired count lowered by as many, in one write.</summary>
public sealed record NamedChildrenRemoving(ImmutableArray<string> ChildIds, int Desired, string Reason) : IDomainEvent;
