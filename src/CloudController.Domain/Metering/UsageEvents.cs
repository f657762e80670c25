using System.Collections.Immutable;

namespace CloudController.Domain.Metering;

// The meter journals one event per sample for however many VMs started or ended: thousands of pool children cost a
// couple of writes a sample.

public sealed record UsageStarted(ImmutableArray<MeteredVm> Vms) : IDomainEvent;

public sealed record UsageEnded(ImmutableArray<string> SubjectIds, DateTimeOffset At) : IDomainEvent;

/// <summary>Usage that ended before <see cref="Before"/> is forgotten: past the retention period.</summary>
public sealed record UsagePruned(DateTimeOffset Before) : IDomainEvent;
