using CloudController.Api.V1;
using Spectre.Console;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>A user's quota: each limit with what is in use. Pure.</summary>
public static class QuotaTables
{
    public static Table Quota(Quota q)
    {
        var table = New("QUOTA", "IN USE", "LIMIT");
        table.Title = new TableTitle($"quota of {q.User}");
        var usage = q.Usage ?? new QuotaAmounts();
        table.AddRow(Text("vms"), Text($"{usage.Vms}"), Text(q.HasVmsLimit ? $"{q.VmsLimit}" : "none"));
        table.AddRow(Text("vcpu"), Text($"{usage.Vcpus}"), Text(q.HasVcpusLimit ? $"{q.VcpusLimit}" : "none"));
        table.AddRow(Text("memory"), Text($"{usage.MemoryMib} MiB"), Text(q.HasMemoryMibLimit ? $"{q.MemoryMibLimit} MiB" : "none"));
        table.AddRow(Text("disk"), Text($"{usage.DiskGib} GiB"), Text(q.HasDiskGibLimit ? $"{q.DiskGibLimit} GiB" : "none"));
        return table;
    }
}
