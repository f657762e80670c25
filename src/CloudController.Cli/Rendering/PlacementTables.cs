using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of a placement explanation: the chosen host, the candidates and the rejections. Pure: they build renderables and never talk to the server.</summary>
public static class PlacementTables
{
    public static Table Placement(ExplainPlacementResponse r)
    {
        var table = New("HOST", "VERDICT", "WHY");
        for (var i = 0; i < r.Candidates.Count; i++) table.AddRow(Text(r.Candidates[i]), new Text(i == 0 ? "chosen" : "candidate", new Style(Color.Green)), Text(i == 0 ? r.Explanation : ""));
        foreach (var x in r.Rejections) table.AddRow(Text(x.HostId), new Text($"rejected by {x.Filter}", new Style(Color.Yellow)), Text(x.Reason));
        if (!r.Found) table.Caption(new TableTitle(r.Explanation));
        return table;
    }
}
