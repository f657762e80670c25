using System.Collections.Immutable;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Fleet;

/// <summary>A join token as kept: its hash, the host it is for (any when null), when it expires and who spent it.</summary>
public sealed record JoinToken(string Hash, string? Name, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string? UsedBy = null, DateTimeOffset? UsedAt = null);

/// <summary>A host agent that joined: its name, the https address nodes call, its certificate's serial.</summary>
public sealed record JoinedAgent(string Name, string Endpoint, string Serial, DateTimeOffset JoinedAt);

/// <summary>
/// Which host agents belong to the fleet: one-time join tokens (hashes only), the agents that joined and the
/// certificate serials revoked by removing a host. A token works once, before it expires, for
/// the name it was made for; a name is one agent's until it is removed; nothing is recorded for a refused join.
/// </summary>
public sealed record HostEnrollment(
    ImmutableDictionary<string, JoinToken> Tokens,
    ImmutableDictionary<string, JoinedAgent> Agents,
    ImmutableHashSet<string> RevokedSerials) : IDomainState
{
    /// <summary>Spent and expired tokens are forgotten this long after they expired, so the state stays bounded.</summary>
    public static readonly TimeSpan TokenRetention = TimeSpan.FromDays(7);

    public static readonly TimeSpan LongestTokenLife = TimeSpan.FromDays(7);

    public static readonly HostEnrollment Empty = new(
        ImmutableDictionary<string, JoinToken>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, JoinedAgent>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal));

    public HostEnrollment Apply(IDomainEvent e) => e switch
    {
        JoinTokenIssued t => this with
        {
            Tokens = Tokens.RemoveRange(Tokens.Values.Where(k => k.ExpiresAt + TokenRetention < t.IssuedAt).Select(k => k.Hash))
                .SetItem(t.TokenHash, new JoinToken(t.TokenHash, t.Name, t.IssuedAt, t.ExpiresAt)),
        },
        AgentJoined j => this with
        {
            Tokens = Tokens.TryGetValue(j.TokenHash, out var token) ? Tokens.SetItem(j.TokenHash, token with { UsedBy = j.Name, UsedAt = j.At }) : Tokens,
            Agents = Agents.SetItem(j.Name, new JoinedAgent(j.Name, j.Endpoint, j.Serial, j.At)),
        },
        AgentRemoved r => this with { Agents = Agents.Remove(r.Name), RevokedSerials = RevokedSerials.Add(r.Serial) },
        _ => this,
    };

    public bool IsRevoked(string serial) => RevokedSerials.Contains(serial);

    public Decision IssueToken(string tokenHash, string? name, TimeSpan validity, DateTimeOffset now)
    {
        if (name is not null && NameProblem(name) is { } problem) return Decision.Refuse(problem.ToString());
        if (name is not null && Agents.TryGetValue(name, out var joined)) return Decision.Refuse(NameTaken(joined).ToString());
        if (validity <= TimeSpan.Zero || validity > LongestTokenLife)
            return Decision.Refuse(new FieldError("expires", $"{validity.TotalHours:0.##} hours is not between a second and {LongestTokenLife.TotalDays:0} days", "give e.g. --expires 1h").ToString());
        if (Tokens.ContainsKey(tokenHash)) return Decision.Refuse(new FieldError("token", "is one made before", "make a new random token").ToString());
        return Decision.Persist(new JoinTokenIssued(tokenHash, name, now, now + validity));
    }

    /// <summary>Why this join is refused (the token, the name, the address), or null when it may go on to be certified.</summary>
    public FieldError? JoinProblem(string tokenHash, string name, string endpoint, DateTimeOffset now)
    {
        if (!Tokens.TryGetValue(tokenHash, out var token))
            return new FieldError("token", "is not a join token of this controller (mistyped, from another controller, or forgotten a week after it expired)",
                "make one with `ccm host join-token --name NAME` and give its file to --join-token");
        if (token.UsedBy is { } usedBy)
            return new FieldError("token", $"was used by host '{usedBy}' at {token.UsedAt:u}; a join token works once", $"make a new one with `ccm host join-token --name {name}`");
        if (now >= token.ExpiresAt)
            return new FieldError("token", $"expired at {token.ExpiresAt:u}", $"make a new one with `ccm host join-token --name {name} --expires 1h`");
        if (NameProblem(name) is { } problem) return problem;
        if (token.Name is { } intended && intended != name)
            return new FieldError("name", $"the token was made for host '{intended}', not '{name}'", $"start the agent with --name {intended}, or make a token for {name}");
        if (Agents.TryGetValue(name, out var joined)) return NameTaken(joined);
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != "https")
            return new FieldError("endpoint", $"'{HostnameRules.Printable(endpoint)}' is not an https:// address", "give cc-hostd --listen https://ADDRESS:PORT, an address controller nodes reach");
        return null;
    }

    /// <summary>Records the join, its certificate's serial, and the token as spent; refused as <see cref="JoinProblem"/> says.</summary>
    public Decision Join(string tokenHash, string name, string endpoint, string serial, DateTimeOffset now) =>
        JoinProblem(tokenHash, name, endpoint, now) is { } problem
            ? Decision.Refuse(problem.ToString())
            : Decision.Persist(new AgentJoined(name, endpoint, serial, tokenHash, now));

    public Decision Remove(string name, DateTimeOffset now) =>
        Agents.TryGetValue(name, out var agent)
            ? Decision.Persist(new AgentRemoved(name, agent.Serial, now))
            : Decision.Refuse(new FieldError("name", $"no host named '{HostnameRules.Printable(name)}' has joined", "list the joined ones with `ccm host agents`").ToString());

    public static FieldError? NameProblem(string name) =>
        HostnameRules.NameProblem(name) is { } problem ? new FieldError("name", $"'{HostnameRules.Printable(name)}' {problem}", "give the machine's host name, e.g. hv-01")
        : name != name.ToLowerInvariant() ? new FieldError("name", $"'{HostnameRules.Printable(name)}' has upper-case letters", "give it in lower case, e.g. hv-01")
        : null;

    private static FieldError NameTaken(JoinedAgent joined) =>
        new("name", $"a host named '{joined.Name}' has joined already (at {joined.Endpoint})",
            $"choose another --name, or remove that one first with `ccm host remove {joined.Name}`");
}
