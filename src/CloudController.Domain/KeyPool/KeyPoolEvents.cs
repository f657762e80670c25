using System.Collections.Immutable;

namespace CloudController.Domain.KeyPool;

/// <summary>A first-boot set as stored: its id and its private material sealed under the node's storage key.</summary>
public sealed record StoredSet(Guid SetId, byte[] Sealed, DateTimeOffset GeneratedAt)
{
    public override string ToString() => $"stored set {SetId}";
}

/// <summary>
/// A one-time activation token as the pool keeps it: only its hash, for the VM (name and address) it was issued to.
/// </summary>
public sealed record TokenGrant(string TokenHash, string VmId, string Hostname, string Ip, DateTimeOffset IssuedAt);

/// <summary>A set that went to a VM: which, to whom, when. Its private material is gone from the pool.</summary>
public sealed record HandOut(Guid SetId, string VmId, string TokenHash, DateTimeOffset At);

public sealed record SetsStored(ImmutableArray<StoredSet> Sets) : IDomainEvent;

public sealed record TokensIssued(ImmutableArray<TokenGrant> Grants) : IDomainEvent;

/// <summary>
/// Journaled before the set leaves the controller: if the node dies before replying, the set is burned, never
/// reissued, and the token is spent.
/// </summary>
public sealed record SetHandedOut(HandOut HandOut) : IDomainEvent;

/// <summary>A client (a pool about to fork children) expects this many activations soon; replaces its last figure.</summary>
public sealed record DemandExpected(string Source, int Count) : IDomainEvent;
