namespace CloudController.Domain.Access;

/// <summary>A user or service account and the hash of its current token.</summary>
public sealed record ApiUser(string Name, Role Role, bool ServiceAccount, string TokenHash, DateTimeOffset Since);

public sealed record UserAdded(ApiUser User) : IDomainEvent;

public sealed record UserRemoved(string Name) : IDomainEvent;

/// <summary>A new token for the user; the old one stops working.</summary>
public sealed record TokenReplaced(string Name, string TokenHash, DateTimeOffset At) : IDomainEvent;
