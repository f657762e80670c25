using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of a task: its status and its history. Pure: they build renderables and never talk to the server.</summary>
public static class TaskTables
{
    public static Table Task(Api.V1.TaskStatus t)
    {
        var table = Properties();
        table.AddRow(Text("task"), Text(t.Id));
        table.AddRow(Text("kind"), Text(t.Kind));
        table.AddRow(Text("state"), State(StateName(t.State)));
        table.AddRow(Text("stage"), Text(t.Stage));
        table.AddRow(Text("percent"), Text($"{t.Percent}%"));
        table.AddRow(Text("vm"), Text($"{t.VmId} ({t.Hostname})"));
        table.AddRow(Text("host"), Text(Dash(t.HostId)));
        table.AddRow(Text("model"), Text(Dash(t.Model)));
        if (t.Error.Length > 0) table.AddRow(Text("error"), new Text(t.Error, new Style(Color.Red)));
        return table;
    }

    public static Table Tasks(IEnumerable<Api.V1.TaskStatus> tasks)
    {
        var table = New("TASK", "KIND", "STATE", "STAGE", "VM", "HOSTNAME", "HOST", "OWNER", "CREATED", "ERROR");
        foreach (var t in tasks)
        {
            table.AddRow(Text(t.Id), Text(t.Kind), State(StateName(t.State)), Text(t.Stage), Text(t.VmId), Text(t.Hostname), Text(Dash(t.HostId)),
                Text(Dash(t.Owner)), Text(t.CreatedAt?.ToDateTimeOffset().ToString("u") ?? "-"), Text(Dash(t.Error)));
        }
        return table;
    }

    public static Table History(Api.V1.TaskStatus t)
    {
        var table = New("AT", "STAGE", "EVENT");
        foreach (var e in t.History)
        {
            table.AddRow(Text(e.At?.ToDateTimeOffset().ToString("HH:mm:ss.fff") ?? "-"), Text(e.Stage), Text(e.Message));
        }
        return table;
    }

    public static string StateName(TaskState state) => state switch
    {
        TaskState.Running => "Running",
        TaskState.RollingBack => "RollingBack",
        TaskState.Succeeded => "Succeeded",
        TaskState.Failed => "Failed",
        TaskState.Aborted => "Aborted",
        _ => "Unknown",
    };
}
