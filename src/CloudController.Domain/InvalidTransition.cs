namespace CloudController.Domain;

/// <summary>
/// An event no state of an entity leads on from (a second creation, another entity's event). A journal holding one
/// is corrupt or mixed up, and applying it silently would hide that, so the entity's recovery stops, naming the
/// entity, the state it was in and the event.
/// </summary>
public sealed class InvalidTransition(string kind, string id, string state, IDomainEvent e)
    : InvalidOperationException($"{kind} {id} ({state}) cannot apply {e.GetType().Name}: no transition of a {kind} leads from it")
{
    /// <summary>The entity's id, as its kind names it.</summary>
    public string EntityId { get; } = id;

    /// <summary>The state the entity was in.</summary>
    public string State { get; } = state;

    /// <summary>The event that no transition leads from.</summary>
    public IDomainEvent Event { get; } = e;
}
