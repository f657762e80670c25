using Akka.Configuration;
using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Audit;

/// <summary>How long the audit trail keeps an entry, how many it keeps at most, and how often it is snapshotted.</summary>
public sealed record AuditSettings(TimeSpan Retention, int MaxEntries, int SnapshotEvery)
{
    public static AuditSettings FromConfig(SettingsSection c)
    {
        var settings = new AuditSettings(c.Duration("retention"), c.Int("max-entries"), c.Int("snapshot-every"));
        if (settings.Retention <= TimeSpan.Zero)
            throw new ConfigurationException($"cloudcontroller.audit.retention = {settings.Retention}; give a positive time, e.g. 90d.");
        if (settings.MaxEntries < 1)
            throw new ConfigurationException($"cloudcontroller.audit.max-entries = {settings.MaxEntries}; it must be at least 1.");
        if (settings.SnapshotEvery < 1)
            throw new ConfigurationException($"cloudcontroller.audit.snapshot-every = {settings.SnapshotEvery}; it must be at least 1.");
        return settings;
    }
}
