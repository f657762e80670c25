using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of `ccm cluster`: members, where shards live. Pure: they build renderables and never talk to the server.</summary>
public static class ClusterTables
{
    public static IRenderable Members(ClusterState state)
    {
        var table = New("ADDRESS", "STATUS", "REACHABLE", "ROLES", "");
        foreach (var m in state.Members)
        {
            var marks = string.Join(", ", new[] { m.Leader ? "leader" : null, m.Oldest ? "oldest (singletons)" : null, m.Self ? "answered" : null }.OfType<string>());
            table.AddRow(
                Text(m.Address),
                new Text(m.Status, new Style(m.Status == "Up" ? Color.Green : m.Status is "Down" or "Removed" ? Color.Red : Color.Yellow)),
                m.Reachable ? new Text("yes") : new Text("UNREACHABLE", new Style(Color.Red)),
                Text(m.Roles.Count == 0 ? "-" : string.Join(", ", m.Roles)),
                Text(marks));
        }
        var up = state.Members.Count(m => m.Status == "Up");
        var unreachable = state.Members.Count(m => !m.Reachable);
        return new Rows(table, new Text($"{state.Members.Count} members, {up} up, {unreachable} unreachable; leader {Dash(state.Leader)}"));
    }

    public static string Event(ClusterEvent e) =>
        $"{e.At.ToDateTimeOffset():HH:mm:ss} {e.Kind,-14} {Dash(e.Address)}{(e.Status.Length > 0 ? $" ({e.Status})" : "")}";

    public static IRenderable Sharding(ShardingState state)
    {
        var table = New("TYPE", "NODE", "SHARDS", "ENTITIES");
        foreach (var region in state.Regions)
        {
            if (region.Nodes.Count == 0) table.AddRow(Text(region.Type), new Text("-"), new Text("0"), new Text("0"));
            foreach (var node in region.Nodes)
                table.AddRow(Text(region.Type), Text(node.Address), new Text(node.Shards.ToString()), new Text(node.Entities.ToString()));
            foreach (var failed in region.Failed) table.AddRow(Text(region.Type), Text(failed), new Text("?"), new Text("did not answer"));
        }
        return table;
    }
}
