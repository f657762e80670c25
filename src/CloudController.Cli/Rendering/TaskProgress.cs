using CloudController.Api.V1;
using Grpc.Core;
using Spectre.Console;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.Cli.Rendering;

/// <summary>
/// Follows a task to its end over the WatchTask stream: a live progress bar on a terminal, otherwise one line (or
/// one JSON object) per stage change, so that logs and scripts see every stage. The exit code says how the task ended.
/// </summary>
public static class TaskProgress
{
    public static async Task<ExitCode> WatchAsync(CcmSession session, string taskId, CancellationToken ct)
    {
        using var watch = new StallWatch(session.StallTimeout, ct);
        using var call = session.Provisioning.WatchTask(new WatchTaskRequest { TaskId = taskId }, cancellationToken: watch.Token);
        TaskStatus? last = null;
        try
        {
            if (session.Interactive)
            {
                await session.Console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bar = progress.AddTask(Markup.Escape(taskId), maxValue: 100);
                        try
                        {
                            await foreach (var status in call.ResponseStream.ReadAllAsync(watch.Token))
                            {
                                if (Moved(last, status)) watch.Progressed();
                                last = status;
                                bar.Description = Markup.Escape($"{status.Hostname}: {status.Stage}");
                                bar.Value = status.Percent;
                            }
                        }
                        finally
                        {
                            bar.StopTask();
                        }
                    });
            }
            else
            {
                // The stream sends every percent; a log or a script wants a line only when the stage or state moves on.
                await foreach (var status in call.ResponseStream.ReadAllAsync(watch.Token))
                {
                    if (last is null || last.Stage != status.Stage || last.State != status.State)
                    {
                        Output.WriteLine(session, status,
                            s => $"{DateTime.Now:HH:mm:ss} {s.Id} {TaskTables.StateName(s.State)} {s.Stage} {s.Percent}%");
                    }
                    if (Moved(last, status)) watch.Progressed();
                    last = status;
                }
            }
        }
        catch (Exception e) when (watch.Stalled && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            session.Errors.WriteLine($"Gave up on task {taskId}: nothing changed for {session.StallTimeout.TotalSeconds:0} s" +
                (last is null ? " and the node sent no status." : $"; it is {TaskTables.StateName(last.State)} at stage {last.Stage} ({last.Percent}%)."));
            session.Errors.WriteLine($"The task goes on; follow it with `ccm task watch {taskId}` or stop it with `ccm task abort {taskId}`.");
            return ExitCode.Stalled;
        }
        return last is null ? ExitCode.NotFound : Conclude(session, last);
    }

    private static bool Moved(TaskStatus? before, TaskStatus now) =>
        before is null || before.Stage != now.Stage || before.State != now.State || before.Percent != now.Percent;

    /// <summary>Says how the task ended, to stderr for failures, and returns the matching exit code.</summary>
    public static ExitCode Conclude(CcmSession session, TaskStatus status)
    {
        switch (status.State)
        {
            case TaskState.Succeeded:
                if (session.Format == OutputFormat.Table)
                {
                    session.Console.WriteLine(status.Kind == "Delete"
                        ? $"VM {status.VmId} ({status.Hostname}) deleted."
                        : $"VM {status.VmId} ({status.Hostname}) is running on host {status.HostId}.");
                }
                return ExitCode.Success;
            case TaskState.Failed:
            case TaskState.Aborted:
                session.Errors.WriteLine($"Task {status.Id} ended {TaskTables.StateName(status.State)}: {status.Error}");
                session.Errors.WriteLine("Everything it had done was rolled back. See its history with `ccm task show " + status.Id + "`.");
                return ExitCode.Refused;
            default:
                session.Errors.WriteLine($"The stream ended with task {status.Id} still {TaskTables.StateName(status.State)}; follow it with `ccm task watch {status.Id}`.");
                return ExitCode.Unreachable;
        }
    }
}
