using CloudController.Cli.Contexts;
using Spectre.Console;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of ccm's contexts. Pure: it builds a renderable and never talks to the server.</summary>
public static class ContextTables
{
    public static Table Contexts(ContextFile file)
    {
        var table = New("CURRENT", "NAME", "ENDPOINT", "TOKEN FILE", "CA FILE");
        foreach (var (name, c) in file.Contexts)
            table.AddRow(Text(file.Current == name ? "*" : ""), Text(name), Text(c.Endpoint ?? "-"), Text(c.TokenFile ?? "-"), Text(c.CaFile ?? "-"));
        return table;
    }
}
