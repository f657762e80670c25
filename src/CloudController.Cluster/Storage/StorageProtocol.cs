using System.Collections.Immutable;
using CloudController.Domain.Storage;

namespace CloudController.Cluster.Storage;

/// <summary>The messages of the <see cref="StorageAllocationActor"/> entity (one allocation table per cluster).</summary>
public static class StorageProtocol
{
    public const string Table = "default";

    public interface IStorageCommand : IEntityCommand
    {
        string IEntityCommand.EntityId => Table;
    }

    public sealed record DefinePool(StoragePool Pool) : IStorageCommand;

    public sealed record Allocate(string PoolId, string HostId, StorageMember Member, string? BaseImage, long BaseImageGib) : IStorageCommand;

    public sealed record Release(string VmId) : IStorageCommand;

    /// <summary>Re-shares one pool's datastores now from measured use (the periodic check does this on its own).</summary>
    public sealed record RebalancePool(string PoolId) : IStorageCommand;

    public sealed record GetTable : IStorageCommand;

    public sealed record TableStatus(AllocationTable Table) : IClusterMessage;

    public sealed record StorageApplied(Allocation? Allocation) : IClusterMessage;

    public sealed record StorageRefused(string Reason) : IClusterMessage;

    public sealed record Rebalanced(int Changed) : IClusterMessage;
}
