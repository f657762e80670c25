using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>
/// A table as CSV: the column headers and each row's cells as the table shows them, so `-o csv` cannot drift from
/// the table and every list has it without a writer of its own.
/// </summary>
public static class TableCsv
{
    // Wide enough that no cell wraps: a cell's text comes out on one line, as it is.
    private static readonly RenderOptions Unwrapped = new(new Capabilities(), new Size(int.MaxValue / 2, 1));

    public static string Format(Table table)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', table.Columns.Select(c => Field(TextOf(c.Header)))).Append('\n');
        foreach (var row in table.Rows) csv.AppendJoin(',', row.Select(cell => Field(TextOf(cell)))).Append('\n');
        return csv.ToString();
    }

    private static string TextOf(IRenderable cell) =>
        string.Concat(cell.Render(Unwrapped, int.MaxValue / 2).Where(s => !s.IsLineBreak && !s.IsControlCode).Select(s => s.Text)).Trim();

    /// <summary>Quoted when it holds what would break a row (RFC 4180).</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : $"\"{value.Replace("\"", "\"\"")}\"";

    private sealed class Capabilities : IReadOnlyCapabilities
    {
        public ColorSystem ColorSystem => ColorSystem.NoColors;
        public bool Ansi => false;
        public bool Links => false;
        public bool Legacy => false;
        public bool IsTerminal => false;
        public bool Interactive => false;
        public bool Unicode => true;
        public bool AlternateBuffer => false;
    }
}
