using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Metering;

/// <summary>How usage is sampled and kept: <c>usage.*</c>.</summary>
/// <param name="SampleInterval">How often the meter samples what each owner runs.</param>
/// <param name="Retention">How long samples are kept.</param>
public sealed record UsageSettings(TimeSpan SampleInterval, TimeSpan Retention)
{
    public static UsageSettings FromConfig(SettingsSection usage) => new(
        usage.PositiveDuration("sample-interval", "10s"),
        usage.PositiveDuration("retention", "400d"));
}
