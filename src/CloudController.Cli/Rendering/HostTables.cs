using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of hosts: the fleet, one host, and what a rebalance or an evacuation moved. Pure: they build renderables and never talk to the server.</summary>
public static class HostTables
{
    public static Table Hosts(IEnumerable<Host> hosts)
    {
        var table = New("HOST", "STATE", "CLASS", "VCPU USED/TOTAL", "MEM FREE/TOTAL MiB", "DISK FREE/TOTAL GiB", "VMS", "RESERVATIONS", "LOAD");
        foreach (var h in hosts)
        {
            table.AddRow(
                Text(h.Id),
                State(h.State),
                Text(h.HardwareClass),
                Text($"{h.Capacity.CpuCores - h.Free.CpuCores}/{h.Capacity.CpuCores}"),
                Text($"{h.Free.MemoryMib}/{h.Capacity.MemoryMib}"),
                Text($"{h.Free.DiskGib}/{h.Capacity.DiskGib}"),
                Text(h.VmCount.ToString()),
                Text(h.ReservationCount.ToString()),
                Text($"{h.CpuLoad:P0}"));
        }
        return table;
    }

    public static Table Agents(IEnumerable<JoinedHostAgent> agents)
    {
        var table = New("NAME", "ENDPOINT", "CERTIFICATE SERIAL", "JOINED");
        foreach (var a in agents) table.AddRow(Text(a.Name), Text(a.Endpoint), Text(a.CertificateSerial), Text(a.JoinedAt.ToDateTimeOffset().ToString("u")));
        return table;
    }

    public static Table Host(Host h)
    {
        var table = Properties();
        table.AddRow(Text("id"), Text(h.Id));
        table.AddRow(Text("state"), State(h.State));
        table.AddRow(Text("hardware class"), Text(h.HardwareClass));
        table.AddRow(Text("cpu flags"), Text(string.Join(", ", h.CpuFlags)));
        table.AddRow(Text("capacity"), Text(Format(h.Capacity)));
        table.AddRow(Text("cpu allocation ratio"), Text($"{h.CpuAllocationRatio:0.##} vCPU per core"));
        table.AddRow(Text("allocated"), Text(Format(h.Allocated)));
        table.AddRow(Text("reserved"), Text(Format(h.Reserved)));
        table.AddRow(Text("free"), Text(Format(h.Free)));
        table.AddRow(Text("vms"), Text(h.VmCount.ToString()));
        table.AddRow(Text("reservations"), Text(h.ReservationCount.ToString()));
        table.AddRow(Text("cpu load"), Text($"{h.CpuLoad:P0}"));
        table.AddRow(Text("observed"), Text(h.ObservedAt?.ToDateTimeOffset().ToString("u") ?? "-"));
        if (h.UnknownVms.Count > 0) table.AddRow(Text("unknown vms"), Text(string.Join(", ", h.UnknownVms)));
        if (h.LostVms.Count > 0) table.AddRow(Text("lost vms"), Text(string.Join(", ", h.LostVms)));
        return table;
    }

    /// <summary>The host's last changes of state, oldest first: when, to what, why, and who asked ("-": monitoring, or no access control).</summary>
    public static Table StateHistory(Host h)
    {
        var table = New("AT", "STATE", "REASON", "BY");
        foreach (var c in h.StateHistory)
            table.AddRow(Text(c.At?.ToDateTimeOffset().ToString("u") ?? "-"), Text(c.State), Text(c.Reason), Text(Dash(c.By)));
        return table;
    }

    public static Table Migrations(RebalanceResponse r)
    {
        var table = New("VM", "FROM", "TO", "TASK", "WHY");
        foreach (var m in r.Migrations) table.AddRow(Text(m.VmId), Text(m.FromHostId), Text(m.ToHostId), Text(Dash(m.TaskId)), Text(m.Reason));
        return table;
    }

    public static Table Evacuation(EvacuateHostResponse r)
    {
        var table = New("VM", "TASK / WHY IT STAYS");
        foreach (var m in r.Migrations) table.AddRow(Text(m.VmId), Text(m.TaskId));
        foreach (var (vm, why) in r.Skipped) table.AddRow(Text(vm), Text($"stays: {why}"));
        return table;
    }
}
