using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>The parts every ccm table is built from, so all tables look alike: the two table shapes (columns, or
/// property and value), cells that show server text as text, states in colour, and resources in one format. Pure.</summary>
public static class Cells
{
    public static string Format(Resources? r) => r is null ? "-" : $"{r.CpuCores} vCPU, {r.MemoryMib} MiB, {r.DiskGib} GiB";

    internal static Table New(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns) table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        return table;
    }

    internal static Table Properties() =>
        new Table().Border(TableBorder.None).HideHeaders().AddColumn("property").AddColumn("value");

    /// <summary>Server text is shown as text, never parsed as markup, whatever characters it holds.</summary>
    internal static IRenderable Text(string value) => new Text(value);

    internal static IRenderable State(string state) => new Text(state, new Style(state switch
    {
        "Active" or "Running" or "Succeeded" or "Ready" => Color.Green,
        "Failed" or "Offline" or "Lost" => Color.Red,
        "Aborted" or "RollingBack" or "Draining" or "Maintenance" or "Deleting" or "Provisioning" or "Migrating" or "Forking" or "Removing" => Color.Yellow,
        _ => Color.Default,
    }));

    internal static string Dash(string value) => value.Length == 0 ? "-" : value;
}
