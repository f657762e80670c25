using System.Collections.Immutable;

namespace CloudController.Domain.KeyPool;

/// <summary>
/// The key pool's books: the sets ready to hand out (oldest first), tokens issued and not yet used (and which VM holds
/// which), the tokens spent and the hand-outs made within the retention period, and the demand clients announced. A
/// set is handed out at most once and a token works once: both are decided here, from the journal alone. What is spent
/// or expired is forgotten after the retention period, so the books (and every snapshot of them) stay bounded; a
/// forgotten token is simply unknown, and so still refused.
/// </summary>
public sealed record KeyPoolState(
    ImmutableQueue<StoredSet> Available,
    int AvailableCount,
    ImmutableDictionary<string, TokenGrant> Tokens,
    ImmutableDictionary<string, string> TokenOfVm,
    ImmutableDictionary<string, DateTimeOffset> Spent,
    ImmutableDictionary<Guid, HandOut> HandOuts,
    long HandedOutTotal,
    ImmutableDictionary<string, int> Demand,
    long GeneratedTotal) : IDomainState
{
    // A snapshot written before tokens were indexed by VM, or spent ones kept with their time, has neither: rebuilt here.
    public ImmutableDictionary<string, string> TokenOfVm { get; init; } =
        TokenOfVm ?? Tokens.Values.ToImmutableDictionary(g => g.VmId, g => g.TokenHash);

    public ImmutableDictionary<string, DateTimeOffset> Spent { get; init; } = Spent ?? ImmutableDictionary<string, DateTimeOffset>.Empty;

    public long HandedOutTotal { get; init; } = HandedOutTotal == 0 ? HandOuts.Count : HandedOutTotal;

    public static readonly KeyPoolState Empty = new(
        ImmutableQueue<StoredSet>.Empty, 0, ImmutableDictionary<string, TokenGrant>.Empty, ImmutableDictionary<string, string>.Empty,
        ImmutableDictionary<string, DateTimeOffset>.Empty, ImmutableDictionary<Guid, HandOut>.Empty, 0, ImmutableDictionary<string, int>.Empty, 0);

    public KeyPoolState Apply(IDomainEvent e) => e switch
    {
        SetsStored s => this with
        {
            Available = s.Sets.Aggregate(Available, (q, set) => q.Enqueue(set)),
            AvailableCount = AvailableCount + s.Sets.Length,
            GeneratedTotal = GeneratedTotal + s.Sets.Length,
        },
        TokensIssued t => t.Grants.Aggregate(this, (state, g) => state.Revoked(g.VmId).Granted(g)),
        SetHandedOut h => this with
        {
            Available = Available.IsEmpty ? Available : Available.Dequeue(),
            AvailableCount = Math.Max(0, AvailableCount - 1),
            Tokens = Tokens.Remove(h.HandOut.TokenHash),
            TokenOfVm = TokenOfVm.GetValueOrDefault(h.HandOut.VmId) == h.HandOut.TokenHash ? TokenOfVm.Remove(h.HandOut.VmId) : TokenOfVm,
            Spent = Spent.SetItem(h.HandOut.TokenHash, h.HandOut.At),
            HandOuts = HandOuts.SetItem(h.HandOut.SetId, h.HandOut),
            HandedOutTotal = HandedOutTotal + 1,
        },
        DemandExpected d => this with { Demand = d.Count <= 0 ? Demand.Remove(d.Source) : Demand.SetItem(d.Source, d.Count) },
        TokensRevoked r => r.VmIds.Aggregate(this, (state, vmId) => state.Revoked(vmId)),
        KeyPoolPruned p => Pruned(p),
        _ => this,
    };

    private KeyPoolState Granted(TokenGrant g) =>
        this with { Tokens = Tokens.SetItem(g.TokenHash, g), TokenOfVm = TokenOfVm.SetItem(g.VmId, g.TokenHash) };

    private KeyPoolState Revoked(string vmId) =>
        TokenOfVm.TryGetValue(vmId, out var hash) ? this with { Tokens = Tokens.Remove(hash), TokenOfVm = TokenOfVm.Remove(vmId) } : this;

    private KeyPoolState Pruned(KeyPoolPruned p)
    {
        var expired = Tokens.Values.Where(g => g.ExpiresAt <= p.ExpiredBy).ToList();
        return this with
        {
            Tokens = Tokens.RemoveRange(expired.Select(g => g.TokenHash)),
            TokenOfVm = TokenOfVm.RemoveRange(expired.Select(g => g.VmId)),
            Spent = Spent.RemoveRange(Spent.Where(s => s.Value < p.SpentBefore).Select(s => s.Key)),
            HandOuts = HandOuts.RemoveRange(HandOuts.Values.Where(h => h.At < p.SpentBefore).Select(h => h.SetId)),
        };
    }

    /// <summary>How many sets the pool aims to hold: its high mark, or what clients announced, within its maximum.</summary>
    public int Target(int lowWater, int highWater, int maxSize) => Math.Min(maxSize, Math.Max(highWater, lowWater + Demand.Values.Sum()));

    /// <summary>Whether the VM holds a token not yet spent, expired or revoked (a new one would replace it).</summary>
    public bool HoldsToken(string vmId) => TokenOfVm.ContainsKey(vmId);

    /// <summary>
    /// Whether a failure report carries a token this pool issued (spent or not, within the retention period): the
    /// report's credential, so that no one else writes into what operators read.
    /// </summary>
    public string? ReportRefusal(string tokenHash) =>
        Tokens.ContainsKey(tokenHash) || Spent.ContainsKey(tokenHash) ? null : "the activation token is not one this controller issued";

    /// <summary>
    /// Takes the oldest set for the VM the token was issued to. Refused for a token that is unknown, spent, expired,
    /// revoked, or presented by another name or address, and when the pool is empty (the token stays good: ask again shortly).
    /// </summary>
    public Decision HandOut(string tokenHash, string hostname, string ip, DateTimeOffset now)
    {
        if (Spent.ContainsKey(tokenHash)) return Decision.Refuse("the activation token was already used; a token works once");
        if (!Tokens.TryGetValue(tokenHash, out var grant))
            return Decision.Refuse("the activation token is not one this controller issued, or it was revoked (its VM deleted or given a new one), or it expired");
        if (grant.ExpiresAt <= now)
            return Decision.Refuse($"the activation token expired at {grant.ExpiresAt:u}; issue a new one with `ccm keypool token {grant.VmId}`");
        if (grant.Hostname != hostname || grant.Ip != ip)
            return Decision.Refuse($"the activation token was issued to {grant.Hostname} ({grant.Ip}), not {hostname} ({ip})");
        if (Available.IsEmpty) return Decision.Refuse("the key pool is empty; it is refilling, ask again shortly");
        return Decision.Persist(new SetHandedOut(new HandOut(Available.Peek().SetId, grant.VmId, tokenHash, now)));
    }

    /// <summary>Revokes the unspent tokens of VMs that were deleted or replaced; nothing to do for VMs that hold none.</summary>
    public Decision Revoke(IEnumerable<string> vmIds, string reason)
    {
        var holding = vmIds.Where(TokenOfVm.ContainsKey).Distinct(StringComparer.Ordinal).ToImmutableArray();
        return holding.IsEmpty ? Decision.AlreadyDone : Decision.Persist(new TokensRevoked(holding, reason));
    }

    /// <summary>
    /// Forgets tokens expired by <paramref name="now"/>, and spent tokens and hand-outs older than
    /// <paramref name="retention"/>; nothing to do when there are none.
    /// </summary>
    public Decision Prune(DateTimeOffset now, TimeSpan retention)
    {
        var spentBefore = now - retention;
        return Tokens.Values.Any(g => g.ExpiresAt <= now) || Spent.Values.Any(at => at < spentBefore) || HandOuts.Values.Any(h => h.At < spentBefore)
            ? Decision.Persist(new KeyPoolPruned(now, spentBefore))
            : Decision.AlreadyDone;
    }
}
