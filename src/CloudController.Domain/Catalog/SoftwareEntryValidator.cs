using System.Collections.Immutable;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Catalog;

/// <summary>Checks an operator's OS, app or profile definition, every problem at once, fields named as on the wire.</summary>
public static class SoftwareEntryValidator
{
    public static ImmutableArray<FieldError> Validate(OsDefinition os)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        Name(errors, os.Name, allowDots: true);
        if (HostnameRules.CatalogNameProblem(os.Family) is { } family)
            errors.Add(new FieldError("family", $"'{HostnameRules.Printable(os.Family)}' {family}", "name the family, e.g. linux or windows"));
        Minimum(errors, os.Minimum);
        Headroom(errors, os.Headroom);
        return errors.ToImmutable();
    }

    public static ImmutableArray<FieldError> Validate(AppDefinition app)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        Name(errors, app.Name, allowDots: false);
        if (app.RunsOn.IsDefaultOrEmpty)
            errors.Add(new FieldError("runs_on", "is empty", "name the OSes or families the app runs on, e.g. linux"));
        else if (app.RunsOn.Any(o => HostnameRules.NameProblem(o) is not null))
            errors.Add(new FieldError("runs_on", "names something that is not an OS or family name", "use names such as linux or ubuntu-24.04"));
        if (app.Minimum.IsNegativeAnywhere || !app.Minimum.FitsWithin(new Resources(ProvisioningLimits.MaxCpuCores, ProvisioningLimits.MaxMemoryMib, ProvisioningLimits.MaxDiskGib)))
            errors.Add(new FieldError("minimum", $"{app.Minimum} is not a size an app adds", "give what the app adds, zero or more in each dimension"));
        Headroom(errors, app.Headroom);
        return errors.ToImmutable();
    }

    public static ImmutableArray<FieldError> Validate(HardwareProfile profile)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        Name(errors, profile.Name, allowDots: false);
        Minimum(errors, profile.Hardware, "hardware");
        return errors.ToImmutable();
    }

    private static void Name(ImmutableArray<FieldError>.Builder errors, string name, bool allowDots)
    {
        var problem = allowDots
            ? HostnameRules.NameProblem(name) ?? (name != name.ToLowerInvariant() ? "has upper-case letters" : null)
            : HostnameRules.CatalogNameProblem(name);
        if (problem is not null) errors.Add(new FieldError("name", $"'{HostnameRules.Printable(name)}' {problem}", "use lower-case letters, digits and '-'"));
    }

    private static void Minimum(ImmutableArray<FieldError>.Builder errors, Resources r, string field = "minimum")
    {
        if (r.CpuCores <= 0 || r.MemoryMib <= 0 || r.DiskGib <= 0 ||
            !r.FitsWithin(new Resources(ProvisioningLimits.MaxCpuCores, ProvisioningLimits.MaxMemoryMib, ProvisioningLimits.MaxDiskGib)))
            errors.Add(new FieldError(field, $"{r} is not a size", "give positive vCPUs, memory and disk within the per-VM limits"));
    }

    private static void Headroom(ImmutableArray<FieldError>.Builder errors, double headroom)
    {
        if (double.IsNaN(headroom) || headroom < 1 || headroom > 10)
            errors.Add(new FieldError("headroom", $"{headroom} is not a headroom factor", "use 1 (none) to 10; 1.5 recommends half again"));
    }
}
