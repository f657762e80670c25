using System.Collections.Immutable;

namespace CloudController.Domain.KeyPool;

/// <summary>A first-boot set as stored: its id and its private material sealed under the node's storage key.</summary>
public sealed record StoredSet(Guid SetId, byte[] Sealed, DateTimeOffset GeneratedAt)
{
    public override string ToString() => $"stored set {SetId}";
}

/// <summary>
/// A one-time activation token as the pool keeps it: only its hash, for the VM (name and address) it was issued to,
/// good until it expires.
/// </summary>
public sealed record TokenGrant(string TokenHash, string VmId, string Hostname, string Ip, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>A grant journaled before tokens expired gets the default lifetime (a day) from its issue.</summary>
    public DateTimeOffset ExpiresAt { get; init; } = ExpiresAt == default ? IssuedAt.AddDays(1) : ExpiresAt;
}

/// <summary>A set that went to a VM: which, to whom, when. Its private material is gone from the pool.</summary>
public sealed record HandOut(Guid SetId, string VmId, string TokenHash, DateTimeOffset At);

public sealed record SetsStored(ImmutableArray<StoredSet> Sets) : IDomainEvent;

/// <summary>Tokens issued; a VM that still held an unspent token loses it (a retried batch must not leave two valid).</summary>
public sealed record TokensIssued(ImmutableArray<TokenGrant> Grants) : IDomainEvent;

/// <summary>
/// Journaled before the set leaves the controller: if the node dies before replying, the set is burned, never
/// reissued, and the token is spent.
/// </summary>
public sealed record SetHandedOut(HandOut HandOut) : IDomainEvent;

/// <summary>A client (a pool about to fork children) expects this many activations soon; replaces its last figure.</summary>
public sealed record DemandExpected(string Source, int Count) : IDomainEvent;

/// <summary>The unspent tokens of these VMs stop working: the VMs were deleted or replaced.</summary>
public sealed record TokensRevoked(ImmutableArray<string> VmIds, string Reason) : IDomainEvent;

/// <summary>
/// Forgets unspent tokens expired by <paramref name="ExpiredBy"/>, and spent tokens and hand-outs from before
/// <paramref name="SpentBefore"/>: a forgotten token is unknown, so still refused.
/// </summary>
public sealed record KeyPoolPruned(DateTimeOffset ExpiredBy, DateTimeOffset SpentBefore) : IDomainEvent;
