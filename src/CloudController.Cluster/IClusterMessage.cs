namespace CloudController.Cluster;

/// <summary>
/// Marks the messages that may cross nodes (commands to sharded entities and their replies). The cluster binds its
/// serializer to this interface: every such message is an immutable record that round-trips through System.Text.Json.
/// </summary>
public interface IClusterMessage;
