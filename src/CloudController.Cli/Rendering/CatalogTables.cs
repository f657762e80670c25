using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of the catalog: operating systems, applications, hardware profiles, goals, and a build check. Pure: they build renderables and never talk to the server.</summary>
public static class CatalogTables
{
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
}
