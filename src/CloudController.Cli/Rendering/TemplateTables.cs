using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of a pool template. Pure: they build renderables and never talk to the server.</summary>
public static class TemplateTables
{
    public static Table Template(Template t)
    {
        var table = Properties();
        table.AddRow(Text("name"), Text(t.Name));
        table.AddRow(Text("model"), Text($"{t.Model} ({t.DiskImage})"));
        table.AddRow(Text("hardware"), Text(Format(t.Hardware)));
        table.AddRow(Text("per child"), Text($"{t.ChildPrivateMemoryMib} MiB of its own"));
        table.AddRow(Text("customizations"), Text(t.Customizations.Count == 0 ? "-" :
            string.Join(", ", t.Customizations.Select(c => $"{c.Name} ({c.Reboots} reboot{(c.Reboots == 1 ? "" : "s")})"))));
        table.AddRow(Text("replicas"), Text(t.Replicas.Count == 0 ? "-" : string.Join(", ", t.Replicas.Select(r => $"{r.HostId} ({r.State})"))));
        return table;
    }
}
