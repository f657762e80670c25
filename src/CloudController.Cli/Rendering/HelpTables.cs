using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables `ccm help` shows: the palettes or a palette's commands, and the exit codes. Pure: they build renderables and never talk to the server.</summary>
public static class HelpTables
{
    /// <summary>A palette's commands and what each does, the way `ccm help` lists them.</summary>
    public static Table Palette(IEnumerable<(string Command, string Description)> commands)
    {
        var table = New("COMMAND", "DESCRIPTION");
        foreach (var (command, description) in commands) table.AddRow(Text(command), Text(description));
        return table;
    }

    public static Table ExitCodes(IEnumerable<(int Code, string Meaning)> codes)
    {
        var table = New("EXIT CODE", "MEANING");
        foreach (var (code, meaning) in codes) table.AddRow(Text(code.ToString()), Text(meaning));
        return table;
    }
}
