using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>The tables ccm shows people. Pure: they build renderables and never talk to the server.</summary>
public static class Tables
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

    public static Table Host(Host h)
    {
        var table = Properties();
        table.AddRow(Text("id"), Text(h.Id));
        table.AddRow(Text("state"), State(h.State));
        table.AddRow(Text("hardware class"), Text(h.HardwareClass));
        table.AddRow(Text("cpu flags"), Text(string.Join(", ", h.CpuFlags)));
        table.AddRow(Text("capacity"), Text(Format(h.Capacity)));
        table.AddRow(Text("allocated"), Text(Format(h.Allocated)));
        table.AddRow(Text("reserved"), Text(Format(h.Reserved)));
        table.AddRow(Text("free"), Text(Format(h.Free)));
        table.AddRow(Text("vms"), Text(h.VmCount.ToString()));
        table.AddRow(Text("reservations"), Text(h.ReservationCount.ToString()));
        table.AddRow(Text("cpu load"), Text($"{h.CpuLoad:P0}"));
        table.AddRow(Text("observed"), Text(h.ObservedAt?.ToDateTimeOffset().ToString("u") ?? "-"));
        return table;
    }

    public static Table Models(IEnumerable<ModelVm> models)
    {
        var table = New("MODEL", "OS", "APPS", "HARDWARE", "MINIMUM", "IMAGE");
        foreach (var m in models)
        {
            table.AddRow(Text(m.Name), Text(m.Os), Text(string.Join(", ", m.Apps)), Text(Format(m.Hardware)), Text(Format(m.Minimum)), Text(m.DiskImage));
        }
        return table;
    }

    public static Table Model(ModelVm m)
    {
        var table = Properties();
        table.AddRow(Text("name"), Text(m.Name));
        table.AddRow(Text("os"), Text(m.ServicePack.Length > 0 ? $"{m.Os} {m.ServicePack}" : m.Os));
        table.AddRow(Text("apps"), Text(string.Join(", ", m.Apps)));
        table.AddRow(Text("users"), Text(string.Join(", ", m.Users)));
        table.AddRow(Text("hardware"), Text(Format(m.Hardware)));
        table.AddRow(Text("minimum"), Text(Format(m.Minimum)));
        table.AddRow(Text("disk image"), Text(m.DiskImage));
        table.AddRow(Text("registered"), Text(m.RegisteredAt?.ToDateTimeOffset().ToString("u") ?? "-"));
        return table;
    }

    public static Table Vms(IEnumerable<Vm> vms)
    {
        var table = New("VM", "HOSTNAME", "STATE", "HOST", "MODEL", "HARDWARE", "OWNER", "TASK");
        foreach (var v in vms)
        {
            table.AddRow(Text(v.Id), Text(v.Hostname), State(v.State), Text(Dash(v.HostId)), Text(v.Model), Text(Format(v.Hardware)), Text(Dash(v.Owner)), Text(v.TaskId));
        }
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
        return table;
    }

    public static Table Task(Api.V1.TaskStatus t)
    {
        var table = Properties();
        table.AddRow(Text("task"), Text(t.Id));
        table.AddRow(Text("kind"), Text(t.Kind));
        table.AddRow(Text("state"), State(StateName(t.State)));
        table.AddRow(Text("stage"), Text(t.Stage));
        table.AddRow(Text("percent"), Text($"{t.Percent}%"));
        table.AddRow(Text("vm"), Text($"{t.VmId} ({t.Hostname})"));
        table.AddRow(Text("host"), Text(Dash(t.HostId)));
        table.AddRow(Text("model"), Text(Dash(t.Model)));
        if (t.Error.Length > 0) table.AddRow(Text("error"), new Text(t.Error, new Style(Color.Red)));
        return table;
    }

    public static Table History(Api.V1.TaskStatus t)
    {
        var table = New("AT", "STAGE", "EVENT");
        foreach (var e in t.History)
        {
            table.AddRow(Text(e.At?.ToDateTimeOffset().ToString("HH:mm:ss.fff") ?? "-"), Text(e.Stage), Text(e.Message));
        }
        return table;
    }

    public static Table InstantImages(IEnumerable<InstantImage> images)
    {
        var table = New("IMAGE", "MODEL", "CLASS", "HARDWARE", "SOURCE VM", "ON HOST");
        foreach (var i in images)
            table.AddRow(Text(i.Name), Text(i.Model), Text(i.HardwareClass), Text(Format(i.Hardware)), Text(i.SourceVmId), Text(i.SourceHostId));
        return table;
    }

    public static Table Oses(IEnumerable<Os> oses)
    {
        var table = New("OS", "FAMILY", "SERVICE PACK", "MINIMUM", "HEADROOM");
        foreach (var o in oses) table.AddRow(Text(o.Name), Text(o.Family), Text(Dash(o.ServicePack)), Text(Format(o.Minimum)), Text($"x{o.Headroom:0.##}"));
        return table;
    }

    public static Table Apps(IEnumerable<App> apps)
    {
        var table = New("APP", "RUNS ON", "ADDS", "HEADROOM");
        foreach (var a in apps) table.AddRow(Text(a.Name), Text(string.Join(", ", a.RunsOn)), Text(Format(a.Minimum)), Text($"x{a.Headroom:0.##}"));
        return table;
    }

    public static Table Profiles(IEnumerable<HardwareProfile> profiles)
    {
        var table = New("PROFILE", "HARDWARE");
        foreach (var p in profiles) table.AddRow(Text(p.Name), Text(Format(p.Hardware)));
        return table;
    }

    public static Table Goals(IEnumerable<Goal> goals)
    {
        var table = New("GOAL", "RULE");
        foreach (var g in goals) table.AddRow(Text(g.Name), Text($"{Format(g.Base)}, plus {Format(g.Each)} per {g.Per:0.##} {g.Unit}"));
        return table;
    }

    public static Table BuildCheck(CheckBuildResponse r)
    {
        var table = Properties();
        table.AddRow(Text("verdict"), r.Passes ? new Text("passes", new Style(Color.Green)) : new Text("does not pass", new Style(Color.Red)));
        table.AddRow(Text("requested"), Text(Format(r.Requested)));
        table.AddRow(Text("minimum"), Text(Format(r.Minimum)));
        table.AddRow(Text("recommended"), Text(Format(r.Recommended)));
        foreach (var p in r.Problems) table.AddRow(Text(p.Field), new Text(p.Description, new Style(Color.Yellow)));
        if (!r.Passes)
            table.AddRow(Text("would pass"), Text($"--os {r.SuggestedOs} {string.Concat(r.SuggestedApps.Select(a => $"--app {a} "))}" +
                $"--cpu {r.SuggestedHardware.CpuCores} --memory {r.SuggestedHardware.MemoryMib} --disk {r.SuggestedHardware.DiskGib}"));
        table.AddRow(Text("template"), Text(r.Template is null ? "none of that OS family; build from scratch" : r.Template.Differences));
        return table;
    }

    public static Table Placement(ExplainPlacementResponse r)
    {
        var table = New("HOST", "VERDICT", "WHY");
        for (var i = 0; i < r.Candidates.Count; i++) table.AddRow(Text(r.Candidates[i]), new Text(i == 0 ? "chosen" : "candidate", new Style(Color.Green)), Text(i == 0 ? r.Explanation : ""));
        foreach (var x in r.Rejections) table.AddRow(Text(x.HostId), new Text($"rejected by {x.Filter}", new Style(Color.Yellow)), Text(x.Reason));
        if (!r.Found) table.Caption(new TableTitle(r.Explanation));
        return table;
    }

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

    public static string StateName(TaskState state) => state switch
    {
        TaskState.Running => "Running",
        TaskState.RollingBack => "RollingBack",
        TaskState.Succeeded => "Succeeded",
        TaskState.Failed => "Failed",
        TaskState.Aborted => "Aborted",
        _ => "Unknown",
    };

    public static Table Template(Template t)
    {
        var table = Properties();
        table.AddRow(Text("name"), Text(t.Name));
        table.AddRow(Text("model"), Text($"{t.Model} ({t.DiskImage})"));
        table.AddRow(Text("hardware"), Text(Format(t.Hardware)));
        table.AddRow(Text("per child"), Text($"{t.ChildPrivateMemoryMib} MiB of its own"));
        table.AddRow(Text("customizations"), Text(t.Customizations.Count == 0 ? "-" :
            string.Join(", ", t.Customizations.Select(c => $"{c.Name} ({c.Reboots} reboot{(c.Reboots == 1 ? "" : "s")})"))));
        table.AddRow(Text("replicas"), Text(t.Replicas.Count == 0 ? "-" : string.Join(", ", t.Replicas.Select(r => $"{r.HostId} ({r.State})"))));
        return table;
    }

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

    public static Table Provisioned(ProvisionResponse r)
    {
        var table = New("VM", "HOSTNAME", "IP", "TASK");
        foreach (var vm in r.Vms) table.AddRow(Text(vm.VmId), Text(vm.Hostname), Text(Dash(vm.Ip)), Text(vm.TaskId));
        return table;
    }

    public static Table Network(Network n)
    {
        var table = New("ROLE", "VM", "HOSTNAME", "IP", "STATE");
        foreach (var m in n.Members) table.AddRow(Text(m.Role), Text(m.VmId), Text(m.Hostname), Text(m.Ip), Text(m.State));
        table.Caption(new TableTitle($"network {n.Name}: {n.Phase}" + (n.Failure.Length > 0 ? $" ({n.Failure})" : "")));
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

    public static Table StoragePools(IEnumerable<StoragePool> pools)
    {
        var table = New("POOL", "POLICY", "OVERCOMMIT", "DATASTORES");
        foreach (var p in pools)
        {
            table.AddRow(Text(p.Id), Text(p.Policy + (p.Policy == "baseline" ? $" {p.BaselineGib} GiB" : "")), Text($"{p.OvercommitRatio:0.##}x"),
                Text(string.Join(", ", p.Datastores.Select(d => $"{d.Id} ({d.CapacityGib} GiB {d.Media}, {(d.Kind == "local" ? "on " + d.HostId : "shared")})"))));
        }
        return table;
    }

    public static Table StorageAllocations(IEnumerable<StorageAllocation> allocations)
    {
        var table = New("VM", "POOL", "DATASTORE", "SHARE GiB", "USED GiB", "ROLE", "HOST");
        foreach (var a in allocations)
            table.AddRow(Text(a.VmId), Text(a.PoolId), Text(a.DatastoreId), Text(a.Gib.ToString()), Text(a.UsedGib.ToString()), Text(Dash(a.Role)), Text(Dash(a.HostId)));
        return table;
    }

    public static Table StorageChanges(IEnumerable<AllocationChange> changes)
    {
        var table = New("AT", "VM", "POOL", "DATASTORE", "GiB", "WHY");
        foreach (var c in changes)
            table.AddRow(Text(c.At.ToDateTimeOffset().ToString("u")), Text(c.VmId), Text(c.PoolId), Text(c.DatastoreId), Text($"{c.FromGib} -> {c.ToGib}"), Text(c.Why));
        return table;
    }

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

    public static Table Users(IEnumerable<User> users)
    {
        var table = New("NAME", "ROLE", "KIND", "TOKEN SINCE");
        foreach (var u in users)
        {
            table.AddRow(Text(u.Name), Text(u.Role.ToString().ToLowerInvariant()), Text(u.ServiceAccount ? "service account" : "person"), Text(u.Since));
        }
        return table;
    }

    public static IRenderable Usage(UsageReport r)
    {
        var table = New("OWNER", "VMS STARTED", "VM-HOURS", "vCPU-HOURS", "MEMORY GiB-HOURS", "DISK GiB-HOURS", "HELD NOW");
        foreach (var o in r.Owners)
        {
            table.AddRow(Text(o.Owner.Length == 0 ? "(no owner)" : o.Owner), Text(o.VmsStarted.ToString()), Text(o.VmHours.ToString("0.##")),
                Text(o.CoreHours.ToString("0.##")), Text(o.MemoryGibHours.ToString("0.##")), Text(o.DiskGibHours.ToString("0.##")),
                Text(o.VmsHeld == 0 ? "-" : $"{o.VmsHeld} VMs: {Format(o.Held)}"));
        }
        var sampled = r.SampledAt is null ? "not sampled yet" : $"sampled {r.SampledAt.ToDateTimeOffset():u}";
        return new Rows(new Markup(Markup.Escape($"Usage from {r.From.ToDateTimeOffset():u} to {r.To.ToDateTimeOffset():u} ({sampled})")), table);
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

    public static string Format(Resources? r) => r is null ? "-" : $"{r.CpuCores} vCPU, {r.MemoryMib} MiB, {r.DiskGib} GiB";

    private static Table New(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns) table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        return table;
    }

    private static Table Properties() =>
        new Table().Border(TableBorder.None).HideHeaders().AddColumn("property").AddColumn("value");

    /// <summary>Server text is shown as text, never parsed as markup, whatever characters it holds.</summary>
    private static IRenderable Text(string value) => new Text(value);

    private static IRenderable State(string state) => new Text(state, new Style(state switch
    {
        "Active" or "Running" or "Succeeded" or "Ready" => Color.Green,
        "Failed" or "Offline" or "Lost" => Color.Red,
        "Aborted" or "RollingBack" or "Draining" or "Maintenance" or "Deleting" or "Provisioning" or "Migrating" or "Forking" or "Removing" => Color.Yellow,
        _ => Color.Default,
    }));

    private static string Dash(string value) => value.Length == 0 ? "-" : value;
}
