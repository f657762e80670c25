namespace CloudController.Domain;

/// <summary>
/// An amount of virtual hardware or host capacity. Memory in MiB and disk in GiB, the units operators size VMs in.
/// </summary>
public readonly record struct Resources(int CpuCores, long MemoryMib, long DiskGib)
{
    public static readonly Resources Zero = new(0, 0, 0);

    public static Resources operator +(Resources a, Resources b) =>
        new(a.CpuCores + b.CpuCores, a.MemoryMib + b.MemoryMib, a.DiskGib + b.DiskGib);

    public static Resources operator -(Resources a, Resources b) =>
        new(a.CpuCores - b.CpuCores, a.MemoryMib - b.MemoryMib, a.DiskGib - b.DiskGib);

    /// <summary>True when every dimension of this amount fits within <paramref name="available"/>.</summary>
    public bool FitsWithin(Resources available) =>
        CpuCores <= available.CpuCores && MemoryMib <= available.MemoryMib && DiskGib <= available.DiskGib;

    public bool IsNegativeAnywhere => CpuCores < 0 || MemoryMib < 0 || DiskGib < 0;

    public static Resources Sum(IEnumerable<Resources> amounts)
    {
        var total = Zero;
        foreach (var amount in amounts) total += amount;
        return total;
    }

    public override string ToString() => $"{CpuCores} vCPU, {MemoryMib} MiB, {DiskGib} GiB";
}
