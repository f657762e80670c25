using System.Collections.Immutable;
using CloudController.Domain.Access;
using CloudController.Domain.Audit;

namespace CloudController.Cluster.Audit;

/// <summary>The messages of the <see cref="AuditTrailActor"/>, a cluster singleton.</summary>
public static class AuditProtocol
{
    /// <summary>Records a call; not answered (the call it records has its own answer).</summary>
    public sealed record Record(AuditEntry Entry) : IClusterMessage;

    /// <summary>The entries <paramref name="Viewer"/> may see (null: access control off) that match; answered <see cref="Entries"/>.</summary>
    public sealed record List(ApiUser? Viewer, AuditFilter Filter, int Limit) : IClusterMessage;

    public sealed record Entries(ImmutableArray<AuditEntry> Items) : IClusterMessage;
}
