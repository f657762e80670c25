using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of the key pool's status. Pure: they build renderables and never talk to the server.</summary>
public static class KeyPoolTables
{
    public static Table KeyPool(KeyPoolStatus s)
    {
        var table = Properties();
        table.AddRow(Text("ready"), Text($"{s.Available} sets (target {s.Target}; refilled below {s.LowWater} up to {s.HighWater})"));
        table.AddRow(Text("generating"), Text($"{s.Generating} now, {s.GeneratedTotal} in all, {s.RefillPerSecond:F2}/s over the last minute"));
        table.AddRow(Text("handed out"), Text($"{s.HandedOutTotal} in all, {s.HandOutsPerSecond:F2}/s over the last minute"));
        table.AddRow(Text("time to empty"), Text(s.SecondsToEmpty > 0 ? $"{s.SecondsToEmpty:F0} s at this pace" : "not emptying"));
        table.AddRow(Text("tokens outstanding"), Text(s.TokensOutstanding.ToString()));
        table.AddRow(Text("agent failures"), Text(s.FailuresReported == 0 ? "0" : $"{s.FailuresReported} (last: {s.LastFailure})"));
        return table;
    }
}
