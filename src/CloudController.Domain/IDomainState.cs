namespace CloudController.Domain;

/// <summary>
/// Marks entity state that is saved as a persistence snapshot, so that recovery replays only the events after it.
/// Serialized like events (System.Text.Json), so it must be an immutable record.
/// </summary>
public interface IDomainState;
