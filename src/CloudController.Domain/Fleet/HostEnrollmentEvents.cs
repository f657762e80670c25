namespace CloudController.Domain.Fleet;

/// <summary>A one-time join token, kept only as its SHA-256; for one host name, or for any when the name is null.</summary>
public sealed record JoinTokenIssued(string TokenHash, string? Name, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt) : IDomainEvent;

/// <summary>A host agent joined with a token and was certified: the certificate's serial and where nodes reach it.</summary>
public sealed record AgentJoined(string Name, string Endpoint, string Serial, string TokenHash, DateTimeOffset At) : IDomainEvent;

/// <summary>A host agent was removed: its certificate's serial is refused from then on.</summary>
public sealed record AgentRemoved(string Name, string Serial, DateTimeOffset At) : IDomainEvent;
