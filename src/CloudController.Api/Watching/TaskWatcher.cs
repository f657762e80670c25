using System.Threading.Channels;
using Akka.Actor;
using CloudController.Domain.Provisioning;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;

namespace CloudController.Api.Watching;

/// <summary>
/// Bridges one WatchTask stream to a task entity: subscribes, writes every new status into a channel the gRPC call
/// drains, and completes the channel when the task ends. It re-subscribes periodically because the entity forgets
/// its watchers when it moves to another node or restarts.
/// </summary>
public sealed class TaskWatcher : ReceiveActor, IWithTimers
{
    private sealed record Resubscribe
    {
        public static readonly Resubscribe Instance = new();
    }

    private readonly string _taskId;
    private readonly IActorRef _tasks;
    private readonly ChannelWriter<ProvisioningTask> _writer;
    private readonly TimeSpan _resubscribeEvery;
    private (int HistoryCount, TaskState State)? _last;

    public TaskWatcher(string taskId, IActorRef tasks, ChannelWriter<ProvisioningTask> writer, TimeSpan resubscribeEvery)
    {
        _taskId = taskId;
        _tasks = tasks;
        _writer = writer;
        _resubscribeEvery = resubscribeEvery;

        Receive<Resubscribe>(_ => _tasks.Tell(new WatchTask(_taskId)));
        Receive<ProvisioningTaskStatus>(s =>
        {
            var key = (s.Task.History.Count, s.Task.State);
            // Re-subscribing repeats the current status; only changes go to the stream, in order.
            if (_last is { } last && key.Count <= last.HistoryCount && key.State == last.State) return;
            _last = key;
            _writer.TryWrite(s.Task);
            if (s.Task.IsEnded) Finish(null);
        });
        Receive<TaskNotFound>(_ => Finish(new KeyNotFoundException($"no task '{_taskId}'")));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string taskId, IActorRef tasks, ChannelWriter<ProvisioningTask> writer, TimeSpan resubscribeEvery) =>
        Akka.Actor.Props.Create(() => new TaskWatcher(taskId, tasks, writer, resubscribeEvery));

    protected override void PreStart()
    {
        Self.Tell(Resubscribe.Instance);
        Timers.StartPeriodicTimer(Resubscribe.Instance, Resubscribe.Instance, _resubscribeEvery);
    }

    protected override void PostStop() => _writer.TryComplete();

    private void Finish(Exception? error)
    {
        _writer.TryComplete(error);
        Context.Stop(Self);
    }
}
