using System.Collections.Immutable;
using CloudController.Domain.Catalog;

namespace CloudController.Domain.Templates;

/// <summary>
/// Picks the staged VM to clone for a request even when none matches exactly: only the same OS family qualifies;
/// then the same OS, then the fewest apps to install at deploy, then the fewest unrequested apps, then the least
/// hardware difference, then the name, so that the choice is stable.
/// </summary>
public static class TemplateMatcher
{
    public static TemplateMatch? BestMatch(
        OsDefinition os, IReadOnlyCollection<string> apps, Resources hardware,
        IEnumerable<ModelVm> staged, SoftwareCatalog catalog)
    {
        TemplateMatch? best = null;
        foreach (var template in staged)
        {
            var templateOs = catalog.Os(template.Os);
            var sameOs = template.Os == os.Name;
            if (!sameOs && templateOs?.Family != os.Family) continue;

            var match = new TemplateMatch(
                template,
                sameOs,
                apps.Where(a => !template.Apps.Contains(a)).Order(StringComparer.Ordinal).ToImmutableArray(),
                template.Apps.Where(a => !apps.Contains(a)).Order(StringComparer.Ordinal).ToImmutableArray(),
                Difference(template.Hardware, hardware));
            if (best is null || Compare(match, best) < 0) best = match;
        }
        return best;
    }

    private static int Compare(TemplateMatch a, TemplateMatch b)
    {
        var byOs = b.SameOs.CompareTo(a.SameOs);
        if (byOs != 0) return byOs;
        var byMissing = a.MissingApps.Length.CompareTo(b.MissingApps.Length);
        if (byMissing != 0) return byMissing;
        var byExtra = a.ExtraApps.Length.CompareTo(b.ExtraApps.Length);
        if (byExtra != 0) return byExtra;
        var byHardware = Weight(a.HardwareDifference).CompareTo(Weight(b.HardwareDifference));
        return byHardware != 0 ? byHardware : string.CompareOrdinal(a.Template.Name, b.Template.Name);
    }

    private static Resources Difference(Resources a, Resources b) =>
        new(Math.Abs(a.CpuCores - b.CpuCores), Math.Abs(a.MemoryMib - b.MemoryMib), Math.Abs(a.DiskGib - b.DiskGib));

    /// <summary>One scale for the three dimensions: a core weighs as much as 1 GiB of memory or 10 GiB of disk.</summary>
    private static long Weight(Resources r) => r.CpuCores * 1024L + r.MemoryMib + r.DiskGib * 100L;
}
