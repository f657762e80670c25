using Akka.Cluster.Sharding;

namespace CloudController.Cluster;

/// <summary>A command to one sharded entity; the entity id routes it.</summary>
public interface IEntityCommand : IClusterMessage
{
    string EntityId { get; }
}

/// <summary>
/// Routes the commands of one entity type to shards by the hash of the entity id, the way Akka's
/// HashCodeMessageExtractor does. One instance per region; every node must use the same shard count.
/// </summary>
public sealed class EntityMessageExtractor<TCommand>(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
    where TCommand : IEntityCommand
{
    // StartEntity (remembered entities restarting) is handled by the base class.
    public override string? EntityId(object message) => message is TCommand command ? command.EntityId : null;
}
