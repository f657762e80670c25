using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

public static class TaskCommands
{
    public static Palette Build(CcmApp app)
    {
        var showId = new Argument<string>("task-id") { Description = "The task's id" };
        var show = app.Remote("show", "Show a task's state, stage and history", async (parse, session, ct) =>
        {
            var status = await session.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = parse.GetValue(showId) }, cancellationToken: ct);
            Output.Write(session, status, s => new Rows(TaskTables.Task(s), TaskTables.History(s)));
            return ExitCode.Success;
        });
        show.Arguments.Add(showId);

        var watchId = new Argument<string>("task-id") { Description = "The task's id" };
        var watch = app.Remote("watch", "Follow a task until it ends; the exit code says how it ended",
            async (parse, session, ct) => await TaskProgress.WatchAsync(session, parse.GetValue(watchId)!, ct));
        watch.Arguments.Add(watchId);

        var abortId = new Argument<string>("task-id") { Description = "The task's id" };
        var abort = app.Change("abort", "Abort a task: it rolls back everything it did", async (parse, session, ct) =>
        {
            var status = await session.Provisioning.AbortTaskAsync(
                new AbortTaskRequest { TaskId = parse.GetValue(abortId), Reason = session.Reason ?? "" }, cancellationToken: ct);
            Output.WriteLine(session, status, s => $"Task {s.Id} is rolling back. Follow it with `ccm task watch {s.Id}`.");
            return ExitCode.Success;
        });
        abort.Arguments.Add(abortId);

        var state = new Option<string?>("--state") { Description = "Only tasks in this state", HelpName = "Running|RollingBack|Succeeded|Failed|Aborted" };
        var kind = new Option<string?>("--kind") { Description = "Only tasks of this kind", HelpName = "Provision|Delete|InstantDeploy|Migrate" };
        var host = new Option<string?>("--host") { Description = "Only tasks on this host (the one each chose)", HelpName = "host-id" };
        var owner = new Option<string?>("--owner") { Description = "Only tasks of this owner's VMs (yours alone unless you are an administrator)", HelpName = "name" };
        var since = SinceOption.Create("tasks created");
        var list = app.List("list", "List tasks, oldest first: kind, state, stage, VM, host, owner",
            async (parse, session, ct) => await session.Provisioning.ListTasksAsync(new ListTasksRequest
            {
                State = parse.GetValue(state) ?? "", Kind = parse.GetValue(kind) ?? "", Host = parse.GetValue(host) ?? "",
                Owner = parse.GetValue(owner) ?? "", Since = SinceOption.Value(parse, since),
            }, cancellationToken: ct),
            r => TaskTables.Tasks(r.Tasks));
        foreach (var option in new Option[] { state, kind, host, owner, since }) list.Options.Add(option);

        return app.NewPalette("task", "Provisioning tasks: list, follow, inspect, abort", "tasks").Add(list).Add(show).Add(watch).Add(abort);
    }
}
