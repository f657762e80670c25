using System.Collections.Immutable;
using CloudController.Domain.Metering;

namespace CloudController.Cluster.Metering;

/// <summary>The messages of the <see cref="UsageMeterActor"/> cluster singleton.</summary>
public static class UsageMeterProtocol
{
    /// <summary>Every owner's usage within [From, To); answered <see cref="UsageReport"/>.</summary>
    public sealed record GetUsage(DateTimeOffset From, DateTimeOffset To) : IClusterMessage;

    /// <param name="SampledAt">The last sample the report reflects; null before the first.</param>
    public sealed record UsageReport(DateTimeOffset From, DateTimeOffset To, DateTimeOffset? SampledAt, ImmutableArray<UsageRow> Rows) : IClusterMessage;
}
