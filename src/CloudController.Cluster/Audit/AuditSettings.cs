using Akka.Configuration;

namespace CloudController.Cluster.Audit;

/// <summary>How long the audit trail keeps an entry, how many it keeps at most, and how often it is snapshotted.</summary>
public sealed record AuditSettings(TimeSpan Retention, int MaxEntries, int SnapshotEvery)
{
    public static readonly AuditSettings Default = new(TimeSpan.FromDays(90), 100_000, 1_000);

    public static AuditSettings FromConfig(Config c)
    {
        var settings = new AuditSettings(
            c.GetTimeSpan("retention", Default.Retention),
            c.GetInt("max-entries", Default.MaxEntries),
            c.GetInt("snapshot-every", Default.SnapshotEvery));
        if (settings.Retention <= TimeSpan.Zero)
            throw new ConfigurationException($"cloudcontroller.audit.retention = {settings.Retention}; give a positive time, e.g. 90d.");
        if (settings.MaxEntries < 1)
            throw new ConfigurationException($"cloudcontroller.audit.max-entries = {settings.MaxEntries}; it must be at least 1.");
        if (settings.SnapshotEvery < 1)
            throw new ConfigurationException($"cloudcontroller.audit.snapshot-every = {settings.SnapshotEvery}; it must be at least 1.");
        return settings;
    }
}
