using System.Collections.Immutable;

namespace CloudController.Domain.Audit;

public enum AuditOutcome
{
    Accepted = 1,
    Refused = 2,
}

/// <summary>
/// One state-changing API call as the audit trail keeps it: when, who (null when no user was known: access control
/// off, an agent's call, or a token that was not accepted) and with which role, the call (Service/Method), the ids
/// it named (see <see cref="AuditRedaction"/>: never a secret value), how it ended and why, and the reason its caller gave.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string? Caller,
    string? Role,
    string Call,
    ImmutableArray<string> Ids,
    AuditOutcome Outcome,
    string? Why,
    string? Reason);

public sealed record AuditRecorded(AuditEntry Entry) : IDomainEvent;

/// <summary>The oldest <paramref name="Count"/> entries are forgotten (past the retention, or over the bound).</summary>
public sealed record AuditPruned(int Count) : IDomainEvent;
