using System.Collections.Immutable;

namespace CloudController.Domain.KeyPool;

/// <summary>
/// The key pool's books: the sets ready to hand out (oldest first), tokens issued and not yet used, the tokens used,
/// the hand-outs made, and the demand clients announced. A set is handed out at most once and a token works once:
/// both are decided here, from the journal alone.
/// </summary>
public sealed record KeyPoolState(
    ImmutableQueue<StoredSet> Available,
    int AvailableCount,
    ImmutableDictionary<string, TokenGrant> Tokens,
    ImmutableHashSet<string> UsedTokens,
    ImmutableDictionary<Guid, HandOut> HandOuts,
    ImmutableDictionary<string, int> Demand,
    long GeneratedTotal) : IDomainState
{
    public static readonly KeyPoolState Empty = new(
        ImmutableQueue<StoredSet>.Empty, 0, ImmutableDictionary<string, TokenGrant>.Empty, ImmutableHashSet<string>.Empty,
        ImmutableDictionary<Guid, HandOut>.Empty, ImmutableDictionary<string, int>.Empty, 0);

    public KeyPoolState Apply(IDomainEvent e) => e switch
    {
        SetsStored s => this with
        {
            Available = s.Sets.Aggregate(Available, (q, set) => q.Enqueue(set)),
            AvailableCount = AvailableCount + s.Sets.Length,
            GeneratedTotal = GeneratedTotal + s.Sets.Length,
        },
        TokensIssued t => this with { Tokens = Tokens.SetItems(t.Grants.Select(g => KeyValuePair.Create(g.TokenHash, g))) },
        SetHandedOut h => this with
        {
            Available = Available.IsEmpty ? Available : Available.Dequeue(),
            AvailableCount = Math.Max(0, AvailableCount - 1),
            Tokens = Tokens.Remove(h.HandOut.TokenHash),
            UsedTokens = UsedTokens.Add(h.HandOut.TokenHash),
            HandOuts = HandOuts.Add(h.HandOut.SetId, h.HandOut),
        },
        DemandExpected d => this with { Demand = d.Count <= 0 ? Demand.Remove(d.Source) : Demand.SetItem(d.Source, d.Count) },
        _ => this,
    };

    /// <summary>How many sets the pool aims to hold: its high mark, or what clients announced, within its maximum.</summary>
    public int Target(int lowWater, int highWater, int maxSize) => Math.Min(maxSize, Math.Max(highWater, lowWater + Demand.Values.Sum()));

    /// <summary>
    /// Whether a failure report carries a token this pool issued (spent or not): the report's credential, so that no
    /// one else writes into what operators read.
    /// </summary>
    public string? ReportRefusal(string tokenHash) =>
        Tokens.ContainsKey(tokenHash) || UsedTokens.Contains(tokenHash) ? null : "the activation token is not one this controller issued";

    /// <summary>
    /// Takes the oldest set for the VM the token was issued to. Refused for a token that is unknown, spent, or presented
    /// by another name or address, and when the pool is empty (the token stays good: ask again shortly).
    /// </summary>
    public Decision HandOut(string tokenHash, string hostname, string ip, DateTimeOffset now)
    {
        if (UsedTokens.Contains(tokenHash)) return Decision.Refuse("the activation token was already used; a token works once");
        if (!Tokens.TryGetValue(tokenHash, out var grant)) return Decision.Refuse("the activation token is not one this controller issued");
        if (grant.Hostname != hostname || grant.Ip != ip)
            return Decision.Refuse($"the activation token was issued to {grant.Hostname} ({grant.Ip}), not {hostname} ({ip})");
        if (Available.IsEmpty) return Decision.Refuse("the key pool is empty; it is refilling, ask again shortly");
        return Decision.Persist(new SetHandedOut(new HandOut(Available.Peek().SetId, grant.VmId, tokenHash, now)));
    }
}
