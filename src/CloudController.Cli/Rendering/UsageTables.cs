using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of a usage report. Pure: they build renderables and never talk to the server.</summary>
public static class UsageTables
{
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
}
