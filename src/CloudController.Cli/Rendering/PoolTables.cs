using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of child pools. Pure: they build renderables and never talk to the server.</summary>
public static class PoolTables
{
    public static Table Pools(IEnumerable<Pool> pools)
    {
        var table = New("POOL", "TEMPLATE", "OWNER", "READY/DESIRED", "PENDING", "LOST", "REMOVING", "FAILED", "NOTE");
        foreach (var p in pools)
        {
            table.AddRow(Text(p.Name), Text(p.Template), Text(Dash(p.Owner)), Text($"{p.Ready}/{p.Desired}"), Text(p.Pending.ToString()), Text(p.Lost.ToString()),
                Text(p.Removing.ToString()), Text(p.FailedTotal.ToString()), Text(Dash(p.Deleting ? "deleting" : p.Shortfall)));
        }
        return table;
    }

    public static IRenderable Pool(Pool p)
    {
        var table = Properties();
        table.AddRow(Text("name"), Text(p.Name));
        table.AddRow(Text("template"), Text(p.Template));
        table.AddRow(Text("owner"), Text(Dash(p.Owner)));
        table.AddRow(Text("hosts"), Text(p.TargetHosts.Count == 0 ? "any active host" : string.Join(", ", p.TargetHosts)));
        table.AddRow(Text("names"), Text(p.NamePattern));
        table.AddRow(Text("addresses"), Text(p.IpRange));
        table.AddRow(Text("domain"), Text(Dash(p.Domain)));
        table.AddRow(Text("children"), Text($"{p.Ready} ready ({p.Running} running) of {p.Desired} desired, {p.Pending} pending, {p.Lost} lost, {p.Removing} removing"));
        table.AddRow(Text("shrinks"), Text($"{p.SurplusOrder} first"));
        table.AddRow(Text("kind"), Text($"{(p.Persistent ? "persistent" : "non-persistent")}, {(p.PoweredOff ? "forked powered off" : "running from the start")}"));
        table.AddRow(Text("failed"), Text(p.FailedTotal == 0 ? "0" : $"{p.FailedTotal} (last: {p.LastFailure})"));
        if (p.Shortfall.Length > 0) table.AddRow(Text("short"), Text(p.Shortfall));
        table.AddRow(Text("autoscaling"), Text(p.Autoscaling is { } a ? $"{a.Min}-{a.Max} children" : "off"));
        foreach (var c in p.Incidents) table.AddRow(Text("replacing"), Text($"{c.Id} on {c.HostId}: {c.Failure}"));
        if (p.Children.Count == 0) return table;
        var children = New("CHILD", "HOSTNAME", "IP", "MAC", "MACHINE ID", "HOST", "STATE");
        foreach (var c in p.Children.OrderBy(c => c.Number))
        {
            children.AddRow(Text(c.Id), Text(c.Identity.Hostname), Text(c.Ip), Text(string.Join(",", c.Identity.Macs)),
                Text(c.Identity.MachineId), Text(c.HostId), State(c.State));
        }
        return new Rows(table, children);
    }
}
