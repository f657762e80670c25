using CloudController.Domain.Catalog;

namespace CloudController.Domain.Sizing;

/// <summary>What an OS with a set of apps needs at least, and what is recommended (the minimum with headroom).</summary>
public sealed record SizingRequirement(Resources Minimum, Resources Recommended)
{
    private const long MemoryStepMib = 256;

    /// <summary>
    /// Memory and disk add up over the OS and its apps; cores do not (apps share them), so the most any one needs.
    /// Each part is scaled by its own headroom; memory is rounded up to 256 MiB, cores up to a whole core.
    /// </summary>
    public static SizingRequirement For(OsDefinition os, IReadOnlyCollection<AppDefinition> apps)
    {
        var minimum = new Resources(
            Math.Max(os.Minimum.CpuCores, apps.Select(a => a.Minimum.CpuCores).DefaultIfEmpty(0).Max()),
            os.Minimum.MemoryMib + apps.Sum(a => a.Minimum.MemoryMib),
            os.Minimum.DiskGib + apps.Sum(a => a.Minimum.DiskGib));
        var headroom = Math.Max(os.Headroom, apps.Select(a => a.Headroom).DefaultIfEmpty(1).Max());
        var recommended = new Resources(
            (int)Math.Ceiling(minimum.CpuCores * headroom),
            RoundUp(os.Minimum.MemoryMib * os.Headroom + apps.Sum(a => a.Minimum.MemoryMib * a.Headroom), MemoryStepMib),
            (long)Math.Ceiling(os.Minimum.DiskGib * os.Headroom + apps.Sum(a => a.Minimum.DiskGib * a.Headroom)));
        return new SizingRequirement(minimum, recommended);
    }

    private static long RoundUp(double value, long step) => (long)Math.Ceiling(value / step) * step;
}
