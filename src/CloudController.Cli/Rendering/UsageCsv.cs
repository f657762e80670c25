using System.Globalization;
using System.Text;
using CloudController.Api.V1;

namespace CloudController.Cli.Rendering;

/// <summary>A usage report as CSV for spreadsheets and billing: one row per owner, invariant numbers, UTC times.</summary>
public static class UsageCsv
{
    public const string Header = "owner,from,to,vms_started,vm_hours,core_hours,memory_gib_hours,disk_gib_hours,vms_held,cores_held,memory_mib_held,disk_gib_held";

    public static string Format(UsageReport report)
    {
        var csv = new StringBuilder(Header).Append('\n');
        var (from, to) = (Time(report.From), Time(report.To));
        foreach (var o in report.Owners)
        {
            csv.AppendJoin(',', TableCsv.Field(o.Owner), from, to, Number(o.VmsStarted), Number(o.VmHours), Number(o.CoreHours), Number(o.MemoryGibHours),
                Number(o.DiskGibHours), Number(o.VmsHeld), Number(o.Held.CpuCores), Number(o.Held.MemoryMib), Number(o.Held.DiskGib)).Append('\n');
        }
        return csv.ToString();
    }

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp t) => t.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Number(double value) => Math.Round(value, 4).ToString(CultureInfo.InvariantCulture);
}
