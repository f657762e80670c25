using Akka.Configuration;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Disks;

namespace CloudController.Cluster.Provisioning;

/// <summary>How provisioning tasks run their steps and retry them: <c>provisioning.*</c>.</summary>
/// <param name="StepTimeout">A step that takes longer fails, and the task rolls back.</param>
/// <param name="ReservationLease">How long a host keeps a reservation its task does not confirm.</param>
/// <param name="RetryBackoffMin">The first retry's wait (of an undo, a delete's steps, a pool's round); each next doubles it.</param>
/// <param name="RetryBackoffMax">The longest wait between retries.</param>
/// <param name="FinishedTaskLinger">How long an ended task stays in memory for late status queries.</param>
/// <param name="WorkDirectory">Each task's scratch files (rendered answer files); empty: <c>work</c> under the data directory.</param>
/// <param name="DiskLayout">How a clone's disk reaches its host (per-host-cache, shared-inner-layers, full-copy).</param>
public sealed record ProvisioningSettings(
    TimeSpan StepTimeout,
    TimeSpan ReservationLease,
    TimeSpan RetryBackoffMin,
    TimeSpan RetryBackoffMax,
    TimeSpan FinishedTaskLinger,
    string WorkDirectory,
    DiskLayout DiskLayout)
{
    public static ProvisioningSettings FromConfig(SettingsSection provisioning, string dataDirectory) => new(
        provisioning.PositiveDuration("step-timeout", "60s"),
        provisioning.PositiveDuration("reservation-lease", "10m"),
        provisioning.PositiveDuration("retry-backoff-min", "200ms"),
        provisioning.PositiveDuration("retry-backoff-max", "30s"),
        provisioning.Duration("finished-task-linger"),
        provisioning.String("work-dir") is { Length: > 0 } work ? work : Path.Combine(dataDirectory, "work"),
        provisioning.String("disk-layout") switch
        {
            "shared-inner-layers" => DiskLayout.SharedInnerLayers,
            "full-copy" => DiskLayout.FullCopy,
            "per-host-cache" => DiskLayout.PerHostCache,
            var other => throw new ConfigurationException(
                $"{provisioning.Key("disk-layout")} = '{other}'; use shared-inner-layers, full-copy or per-host-cache."),
        });

    /// <summary>Exponential backoff for the n-th retry (n starting at 1), capped.</summary>
    public TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(
            RetryBackoffMax.TotalMilliseconds,
            RetryBackoffMin.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1))));
}
