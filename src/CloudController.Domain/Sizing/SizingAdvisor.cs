using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Sizing;

/// <summary>The advice on a custom build: every problem, what it needs, and the nearest request that would pass.</summary>
public sealed record SizingReport(
    ImmutableArray<FieldError> Errors,
    SizingRequirement? Requirement,
    CustomBuildRequest Suggested)
{
    public bool Passes => Errors.IsEmpty;
}

/// <summary>
/// Checks a custom build against the catalog: an unknown OS or app, an app that does not run on the OS, and
/// hardware below what the OS with those apps needs are all reported together; a request that falls short is not
/// just refused, the report carries the minimum, the recommended amount and the request that would pass.
/// </summary>
public static class SizingAdvisor
{
    public static SizingReport Check(CustomBuildRequest request, SoftwareCatalog catalog)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        var os = catalog.Os(request.Os);
        if (os is null)
        {
            errors.Add(new FieldError("os", $"no OS named '{HostnameRules.Printable(request.Os)}' in the catalog",
                $"choose one of {string.Join(", ", catalog.Oses.Keys.Order(StringComparer.Ordinal))}"));
        }

        var runnable = new List<AppDefinition>();
        var kept = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < request.Apps.Length; i++)
        {
            var name = request.Apps[i];
            var app = catalog.App(name);
            if (app is null)
            {
                errors.Add(new FieldError($"apps[{i}]", $"no app named '{HostnameRules.Printable(name)}' in the library",
                    "list the library with `ccm catalog apps`, or drop it"));
            }
            else if (os is not null && !app.RunsOnOs(os))
            {
                errors.Add(new FieldError($"apps[{i}]", $"{name} does not run on {os.Name} (it runs on {string.Join(", ", app.RunsOn)})",
                    "choose an OS it runs on, or drop it"));
            }
            else
            {
                runnable.Add(app);
                kept.Add(name);
            }
        }

        if (os is null) return new SizingReport(errors.ToImmutable(), null, request with { Apps = kept.ToImmutable() });

        var requirement = SizingRequirement.For(os, runnable);
        var needs = runnable.Count == 0 ? os.Name : $"{os.Name} with {string.Join(", ", runnable.Select(a => a.Name))}";
        var have = request.Hardware;
        var min = requirement.Minimum;
        var rec = requirement.Recommended;
        if (have.CpuCores < min.CpuCores)
            errors.Add(Short("hardware.cpu_cores", $"{have.CpuCores} vCPU", $"{min.CpuCores} vCPU", needs, $"--cpu {min.CpuCores}", $"{rec.CpuCores}"));
        if (have.MemoryMib < min.MemoryMib)
            errors.Add(Short("hardware.memory_mib", $"{have.MemoryMib} MiB", $"{min.MemoryMib} MiB", needs, $"--memory {min.MemoryMib}", $"{rec.MemoryMib}"));
        if (have.DiskGib < min.DiskGib)
            errors.Add(Short("hardware.disk_gib", $"{have.DiskGib} GiB", $"{min.DiskGib} GiB", needs, $"--disk {min.DiskGib}", $"{rec.DiskGib}"));

        var suggested = new CustomBuildRequest(request.Os, kept.ToImmutable(), new Resources(
            Math.Max(have.CpuCores, min.CpuCores), Math.Max(have.MemoryMib, min.MemoryMib), Math.Max(have.DiskGib, min.DiskGib)));
        return new SizingReport(errors.ToImmutable(), requirement, suggested);
    }

    private static FieldError Short(string field, string have, string need, string what, string flag, string recommended) =>
        new(field, $"{have} is below the {need} that {what} needs", $"{flag} would fit (recommended {recommended})");
}
