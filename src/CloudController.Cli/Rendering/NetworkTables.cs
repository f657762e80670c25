using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of a provisioned network. Pure: they build renderables and never talk to the server.</summary>
public static class NetworkTables
{
    public static Table Network(Network n)
    {
        var table = New("ROLE", "VM", "HOSTNAME", "IP", "STATE");
        foreach (var m in n.Members) table.AddRow(Text(m.Role), Text(m.VmId), Text(m.Hostname), Text(m.Ip), Text(m.State));
        table.Caption(new TableTitle($"network {n.Name}: {n.Phase}" + (n.Failure.Length > 0 ? $" ({n.Failure})" : "")));
        return table;
    }
}
