using System.Collections.Immutable;
using CloudController.Domain.Catalog;

namespace CloudController.Domain.Templates;

/// <summary>
/// The staged VM chosen for a request, and how it differs: apps it lacks (installed at deploy), apps it has that
/// were not asked for, and how far its hardware is from the request (the clone gets the requested hardware).
/// </summary>
public sealed record TemplateMatch(
    ModelVm Template,
    bool SameOs,
    ImmutableArray<string> MissingApps,
    ImmutableArray<string> ExtraApps,
    Resources HardwareDifference)
{
    public bool IsExact => SameOs && MissingApps.IsEmpty && ExtraApps.IsEmpty && HardwareDifference == Resources.Zero;

    public string Differences
    {
        get
        {
            if (IsExact) return $"{Template.Name} matches exactly";
            var parts = new List<string>();
            if (!SameOs) parts.Add($"runs {Template.Os}, of the same family");
            if (!MissingApps.IsEmpty) parts.Add($"lacks {string.Join(", ", MissingApps)} (installed at deploy)");
            if (!ExtraApps.IsEmpty) parts.Add($"also has {string.Join(", ", ExtraApps)}");
            if (HardwareDifference != Resources.Zero) parts.Add($"hardware differs by {HardwareDifference} (the clone gets what was asked)");
            return $"{Template.Name}: {string.Join("; ", parts)}";
        }
    }
}
