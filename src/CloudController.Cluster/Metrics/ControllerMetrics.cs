using System.Collections.Concurrent;
using Prometheus;

namespace CloudController.Cluster.Metrics;

/// <summary>
/// The counters and histograms the controller's actors and API record as things happen, in Prometheus' default
/// registry (one node per process), and the gauges the API's scrape sets from the actors just before it exports.
/// </summary>
public static class ControllerMetrics
{
    // First of the initializers, which run in order: the registry is set up before any metric is made in it.
    private static readonly bool DefaultsSuppressed = SuppressDefaults();
    private static readonly double[] StepBuckets = Histogram.ExponentialBuckets(0.001, 2, 18);
    private static readonly ConcurrentDictionary<string, DateTimeOffset> RunningTasks = new(StringComparer.Ordinal);

    public static readonly Counter TasksStarted = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_tasks_started_total", "Tasks accepted, by kind.", "kind");

    public static readonly Counter TasksEnded = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_tasks_ended_total", "Tasks ended, by kind and final state (Succeeded, Failed, Aborted).", "kind", "state");

    public static readonly Counter TaskRollbacks = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_task_rollbacks_total", "Tasks that started rolling back (a step failed before the point of no return, or an abort), by kind.", "kind");

    public static readonly Histogram StepDuration = Prometheus.Metrics.CreateHistogram(
        "cloudcontroller_task_step_duration_seconds", "How long a task's step took, by stage and outcome (done, failed, undone).",
        new HistogramConfiguration { LabelNames = ["stage", "outcome"], Buckets = StepBuckets });

    public static readonly Histogram PlacementDuration = Prometheus.Metrics.CreateHistogram(
        "cloudcontroller_placement_decision_duration_seconds", "How long choosing a host took, as the task saw it.",
        new HistogramConfiguration { Buckets = StepBuckets });

    public static readonly Counter PlacementRefusals = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_placement_refusals_total", "Placements that found no host, by the filter that rejected hosts (no-hosts: the fleet was empty).", "reason");

    public static readonly Histogram ForkDuration = Prometheus.Metrics.CreateHistogram(
        "cloudcontroller_fork_duration_seconds", "How long forking one pool child on its host took.",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = StepBuckets });

    public static readonly Histogram JournalWriteDuration = Prometheus.Metrics.CreateHistogram(
        "cloudcontroller_journal_write_duration_seconds", "From persisting an event to its write being confirmed, by entity type.",
        new HistogramConfiguration { LabelNames = ["entity"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Counter FleetStatusReceived = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_fleet_status_received_total", "Host statuses this node's fleet view received (each host sends one when it changes and at its refresh interval).");

    public static readonly Counter GrpcCalls = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_grpc_calls_total", "API calls answered, by method and gRPC status code.", "method", "code");

    // Read at scrape time (ScrapeGauges sets them): the same cluster-wide figures on every node for pools and the key pool.
    public static readonly Gauge PoolChildren = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_pool_children", "A pool's children by state: desired (its count), ready, running, forking, lost, removing.", "pool", "state");

    public static readonly Counter PoolChildFailures = Prometheus.Metrics.CreateCounter(
        "cloudcontroller_pool_child_failures_total", "Children a pool failed to fork or lost, since it was created.", "pool");

    public static readonly Gauge KeyPoolAvailable = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_keypool_sets_available", "First-boot key sets ready to hand out.");

    public static readonly Gauge KeyPoolTarget = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_keypool_sets_target", "The key pool's target size.");

    public static readonly Gauge KeyPoolRefillRate = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_keypool_refill_sets_per_second", "Key sets made per second over the last minute.");

    public static readonly Gauge KeyPoolHandOutRate = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_keypool_handout_sets_per_second", "Key sets handed out per second over the last minute.");

    public static readonly Gauge KeyPoolSecondsToEmpty = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_keypool_seconds_to_empty", "Seconds until the key pool is empty at the last minute's pace; 0 when it is not emptying.");

    public static readonly Gauge ClusterMembers = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_cluster_members", "Cluster members by status (Joining, Up, Leaving, Exiting, Down, ...), as this node sees them.", "status");

    public static readonly Gauge ClusterUnreachableMembers = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_cluster_unreachable_members", "Members this node's failure detector has lost.");

    public static readonly Gauge Shards = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_shards", "Shards hosted on this node, by entity type.", "type");

    public static readonly Gauge Entities = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_entities", "Entities alive on this node, by entity type.", "type");

    public static readonly Gauge TasksRunning = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_tasks_running", "Tasks not yet ended whose actor is on this node.");

    public static readonly Gauge OldestTaskSeconds = Prometheus.Metrics.CreateGauge(
        "cloudcontroller_task_oldest_running_seconds", "Seconds the oldest task not yet ended on this node has been running; 0 with none.");

    /// <summary>Counts a placement that found no host once for each filter that rejected hosts.</summary>
    public static void PlacementRefused(Domain.Placement.PlacementDecision decision)
    {
        foreach (var reason in decision.Rejections.Select(r => r.Filter).Distinct().DefaultIfEmpty("no-hosts")) PlacementRefusals.WithLabels(reason).Inc();
    }

    /// <summary>A task not yet ended, running on this node since <paramref name="since"/>.</summary>
    public static void TaskRunning(string taskId, DateTimeOffset since) => RunningTasks[taskId] = since;

    /// <summary>The task ended, or its actor stopped here (it may run on again elsewhere).</summary>
    public static void TaskGone(string taskId) => RunningTasks.TryRemove(taskId, out _);

    /// <summary>Seconds the oldest task not yet ended on this node has been running; 0 with none.</summary>
    public static double OldestRunningTaskSeconds(DateTimeOffset now) =>
        RunningTasks.IsEmpty ? 0 : Math.Max(0, (now - RunningTasks.Values.Min()).TotalSeconds);

    public static int RunningTaskCount => RunningTasks.Count;

    private static bool SuppressDefaults()
    {
        // The process's own figures stay; .NET's meters and event counters would add hundreds of series nobody asked for.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true });
        return true;
    }
}
