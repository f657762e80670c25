using CloudController.Api.V1;
using Spectre.Console;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The audit trail's table. Pure.</summary>
public static class AuditTables
{
    public static Table Entries(IEnumerable<AuditEntry> entries)
    {
        var table = New("TIME", "CALLER", "ROLE", "CALL", "IDS", "OUTCOME", "WHY", "REASON");
        foreach (var e in entries)
        {
            table.AddRow(Text(e.At.ToDateTimeOffset().ToString("u")), Text(Dash(e.Caller)), Text(Dash(e.Role)), Text(e.Call),
                Text(e.Ids.Count == 0 ? "-" : string.Join(" ", e.Ids)),
                new Text(e.Outcome, new Style(e.Outcome == "refused" ? Color.Red : Color.Default)), Text(Dash(e.Why)), Text(Dash(e.Reason)));
        }
        return table;
    }
}
