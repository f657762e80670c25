using CloudController.Domain.Validation;

namespace CloudController.Domain.InstantClone;

/// <summary>Checks a fork template, reporting every bad field with its fix.</summary>
public static class ForkTemplateValidator
{
    /// <summary>A customization needing more reboots than this is a mistake, not a plan.</summary>
    public const int MaxReboots = 10;

    public static IReadOnlyList<FieldError> Validate(ForkTemplate template, Resources modelMinimum)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.CatalogNameProblem(template.Name) is { } name)
            errors.Add(new FieldError("name", $"template name {name}", "use lower-case letters, digits and '-', e.g. web-tpl"));
        var hw = template.Hardware;
        if (hw.CpuCores < modelMinimum.CpuCores || hw.MemoryMib < modelMinimum.MemoryMib || hw.DiskGib < modelMinimum.DiskGib)
            errors.Add(new FieldError("hardware", $"{hw} is below what model {template.Model} needs ({modelMinimum})", $"give at least {modelMinimum}"));
        if (template.ChildPrivateMemoryMib <= 0 || template.ChildPrivateMemoryMib > hw.MemoryMib)
            errors.Add(new FieldError("childPrivateMemoryMib", $"is {template.ChildPrivateMemoryMib} MiB",
                $"give what a child writes of its own, 1 to {hw.MemoryMib} MiB (64 is typical)"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < template.Customizations.Length; i++)
        {
            var c = template.Customizations[i];
            if (HostnameRules.CatalogNameProblem(c.Name) is { } problem)
                errors.Add(new FieldError($"customizations[{i}].name", $"'{HostnameRules.Printable(c.Name)}' {problem}", "name it like add-data-disk"));
            else if (!seen.Add(c.Name))
                errors.Add(new FieldError($"customizations[{i}].name", $"{c.Name} is listed twice", "list each customization once"));
            if (c.Reboots is < 0 or > MaxReboots)
                errors.Add(new FieldError($"customizations[{i}].reboots", $"is {c.Reboots}", $"use 0 to {MaxReboots}"));
            if (c.Detail.Any(char.IsControl))
                errors.Add(new FieldError($"customizations[{i}].detail", "contains control characters", "use plain text"));
        }
        return errors;
    }
}
