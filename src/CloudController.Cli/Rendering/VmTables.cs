using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of VMs: the list, one VM, what a provisioning started, and a VM's provisioning data. Pure: they build renderables and never talk to the server.</summary>
public static class VmTables
{
    public static Table Vms(IEnumerable<Vm> vms)
    {
        var table = New("VM", "HOSTNAME", "STATE", "HOST", "MODEL", "HARDWARE", "OWNER", "TASK");
        foreach (var v in vms)
        {
            table.AddRow(Text(v.Id), Text(v.Hostname), State(v.State), Text(Dash(v.HostId)), Text(v.Model), Text(Format(v.Hardware)), Text(Dash(v.Owner)), Text(v.TaskId));
        }
        return table;
    }

    /// <summary>A VM's history, oldest first; "-" where no one is known to have asked.</summary>
    public static Table Events(IEnumerable<VmEvent> events)
    {
        var table = New("AT", "EVENT", "DETAIL", "BY", "TASK");
        foreach (var e in events)
            table.AddRow(Text(e.At?.ToDateTimeOffset().ToString("u") ?? "-"), Text(e.Event), Text(Dash(e.Detail)), Text(Dash(e.By)), Text(Dash(e.TaskId)));
        return table;
    }

    public static Table Vm(Vm v)
    {
        var table = Properties();
        table.AddRow(Text("id"), Text(v.Id));
        table.AddRow(Text("hostname"), Text(v.Hostname));
        table.AddRow(Text("state"), State(v.State));
        table.AddRow(Text("host"), Text(Dash(v.HostId)));
        table.AddRow(Text("model"), Text(v.Model));
        table.AddRow(Text("hardware"), Text(Format(v.Hardware)));
        table.AddRow(Text("disk layer"), Text(v.DiskLayer));
        table.AddRow(Text("task"), Text(v.TaskId));
        table.AddRow(Text("owner"), Text(Dash(v.Owner)));
        table.AddRow(Text("created"), Text(v.CreatedAt?.ToDateTimeOffset().ToString("u") ?? "-"));
        if (v.LostReason.Length > 0) table.AddRow(Text("lost"), Text($"{v.LostAt?.ToDateTimeOffset().ToString("u") ?? "-"}: {v.LostReason}"));
        return table;
    }

    public static Table Provisioned(ProvisionResponse r)
    {
        var table = New("VM", "HOSTNAME", "IP", "TASK");
        foreach (var vm in r.Vms) table.AddRow(Text(vm.VmId), Text(vm.Hostname), Text(Dash(vm.Ip)), Text(vm.TaskId));
        return table;
    }

    public static Table VmConfig(VmConfig c)
    {
        var table = New("KEY", "VALUE");
        foreach (var (key, value) in c.Values.OrderBy(v => v.Key, StringComparer.Ordinal)) table.AddRow(Text(key), Text(value));
        table.Caption(new TableTitle($"generation {c.DesiredGeneration} desired, {c.AppliedGeneration} applied" +
                                     (c.FailedKeys.Count == 0 ? "" : $", {c.FailedKeys.Count} failed in the guest")));
        return table;
    }
}
