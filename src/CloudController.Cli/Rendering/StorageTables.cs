using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of storage: pools, allocations and their changes. Pure: they build renderables and never talk to the server.</summary>
public static class StorageTables
{
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
}
