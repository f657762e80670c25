namespace CloudController.Domain.Fleet;

/// <summary>
/// One change in a host's state as its history keeps it: the state it went to (active, draining, maintenance, or
/// <see cref="Unreachable"/>/<see cref="Returned"/> as monitoring saw it), when, why, and who asked (null for monitoring,
/// and when access control is off). <paramref name="At"/> is null for changes journaled before times were recorded.
/// </summary>
public sealed record HostStateChange(DateTimeOffset? At, string State, string Reason, string? By)
{
    public const string Unreachable = "unreachable";

    public const string Returned = "returned";
}
