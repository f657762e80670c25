namespace CloudController.Domain;

/// <summary>
/// What an entity decided about a command: persist an event, nothing to do (it was already done, as when a resumed
/// task repeats a step), or refuse with a reason.
/// </summary>
public sealed record Decision(IDomainEvent? Event, string? Refusal)
{
    public static readonly Decision AlreadyDone = new(null, null);
    public static Decision Persist(IDomainEvent e) => new(e, null);
    public static Decision Refuse(string reason) => new(null, reason);
    public bool IsRefused => Refusal is not null;
}
