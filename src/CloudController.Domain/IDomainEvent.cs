namespace CloudController.Domain;

/// <summary>
/// Marks the events that entities persist. The cluster binds its serializer to this interface, so every event
/// must be an immutable record that round-trips through System.Text.Json.
/// </summary>
public interface IDomainEvent;
