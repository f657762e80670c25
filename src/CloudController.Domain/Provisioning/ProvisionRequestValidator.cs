using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Provisioning;

/// <summary>
/// Checks provisioning requests and catalog models before anything is done with them. Every problem is reported
/// at once, each naming the field (as on the wire) and what would fix it.
/// </summary>
public static partial class ProvisionRequestValidator
{
    private const string ListModels = "name a model from `ccm models list`, or add one with `ccm models add`";

    public static ImmutableArray<FieldError> Validate(ProvisionRequest request, ModelVm? model)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();

        if (request.Model.Length == 0)
            errors.Add(new FieldError("model", "is required", ListModels));
        else if (model is null)
            errors.Add(new FieldError("model", $"no model named '{HostnameRules.Printable(request.Model)}' in the catalog", ListModels));

        if (request.Hostname.Length == 0)
        {
            errors.Add(new FieldError("hostname", "is required", "give the VM a host name such as 'web-01'"));
        }
        else if (HostnameRules.NameProblem(request.Hostname) is { } problem)
        {
            var suggestion = HostnameRules.Suggest(request.Hostname);
            errors.Add(new FieldError("hostname", $"'{HostnameRules.Printable(request.Hostname)}' {problem}",
                suggestion is null ? "use letters, digits and '-', e.g. 'web-01'" : $"use '{suggestion}'"));
        }

        var o = request.Overrides;
        CheckSize(errors, "overrides.cpu_cores", "--cpu", "vCPU", o.CpuCores, ProvisioningLimits.MaxCpuCores,
            model?.Minimum.CpuCores, model?.Hardware.CpuCores, model?.Name);
        CheckSize(errors, "overrides.memory_mib", "--memory", "MiB memory", o.MemoryMib, ProvisioningLimits.MaxMemoryMib,
            model?.Minimum.MemoryMib, model?.Hardware.MemoryMib, model?.Name);
        CheckSize(errors, "overrides.disk_gib", "--disk", "GiB disk", o.DiskGib, ProvisioningLimits.MaxDiskGib,
            model?.Minimum.DiskGib, model?.Hardware.DiskGib, model?.Name);

        return errors.ToImmutable();
    }

    public static ImmutableArray<FieldError> ValidateModel(ModelVm model)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();

        if (model.Name.Length == 0)
            errors.Add(new FieldError("name", "is required", "name the model, e.g. 'ubuntu-web'"));
        else if (HostnameRules.CatalogNameProblem(model.Name) is { } problem)
            errors.Add(new FieldError("name", $"'{HostnameRules.Printable(model.Name)}' {problem}",
                HostnameRules.Suggest(model.Name) is { } s ? $"use '{s}'" : "use lower-case letters, digits and '-'"));

        if (model.Os.Length == 0)
            errors.Add(new FieldError("os", "is required", "name the operating system, e.g. 'ubuntu-24.04'"));
        else if (model.Os.Length > ProvisioningLimits.MaxNameLength || model.Os.Any(char.IsControl))
            errors.Add(new FieldError("os", "is too long or has control characters", $"use at most {ProvisioningLimits.MaxNameLength} printable characters"));

        if (model.Apps.Length > ProvisioningLimits.MaxApps)
            errors.Add(new FieldError("apps", $"lists {model.Apps.Length} apps", $"list at most {ProvisioningLimits.MaxApps}"));
        if (model.Apps.Any(a => a.Length == 0 || a.Length > ProvisioningLimits.MaxNameLength || a.Any(char.IsControl)))
            errors.Add(new FieldError("apps", "has an empty, overlong or unprintable app name", "name each app, e.g. 'nginx'"));
        if (model.Apps.Distinct(StringComparer.OrdinalIgnoreCase).Count() != model.Apps.Length)
            errors.Add(new FieldError("apps", "lists an app twice", "list each app once"));

        CheckModelSize(errors, "cpu_cores", model.Hardware.CpuCores, model.Minimum.CpuCores, ProvisioningLimits.MaxCpuCores, "vCPU");
        CheckModelSize(errors, "memory_mib", model.Hardware.MemoryMib, model.Minimum.MemoryMib, ProvisioningLimits.MaxMemoryMib, "MiB");
        CheckModelSize(errors, "disk_gib", model.Hardware.DiskGib, model.Minimum.DiskGib, ProvisioningLimits.MaxDiskGib, "GiB");

        if (model.DiskImage.Length == 0)
            errors.Add(new FieldError("disk_image", "is required", "name the base disk image its clones are layered on"));
        else if (HostnameRules.NameProblem(model.DiskImage.Replace('_', '-')) is not null)
            errors.Add(new FieldError("disk_image", $"'{HostnameRules.Printable(model.DiskImage)}' is not a valid image name",
                "use letters, digits, '.', '-' and '_'"));

        if (model.ServicePack.Length > ProvisioningLimits.MaxNameLength || model.ServicePack.Any(char.IsControl))
            errors.Add(new FieldError("service_pack", "is overlong or has control characters", "give the service-pack level, e.g. sp2 or cu-2024-10"));
        for (var i = 0; i < model.Users.Length; i++)
        {
            if (HostnameRules.LabelProblem(model.Users[i].Replace('_', '-').Replace('.', '-')) is { } userProblem)
                errors.Add(new FieldError($"users[{i}]", $"'{HostnameRules.Printable(model.Users[i])}' {userProblem}", "use letters, digits, '-', '_' and '.'"));
        }

        if (model.Identity is { } identity)
        {
            if (identity.MachineId.Length is 0 or > ProvisioningLimits.MaxNameLength || identity.MachineId.Any(char.IsControl))
                errors.Add(new FieldError("identity.machine_id", "is empty, overlong or unprintable", "give the model machine's id or SID, or leave identity out"));
            for (var i = 0; i < identity.Macs.Length; i++)
            {
                if (!MacAddress().IsMatch(identity.Macs[i]))
                    errors.Add(new FieldError($"identity.macs[{i}]", $"'{HostnameRules.Printable(identity.Macs[i])}' is not a MAC address", "write it as 52:54:00:12:34:56"));
            }
        }

        return errors.ToImmutable();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial System.Text.RegularExpressions.Regex MacAddress();

    private static void CheckSize(
        ImmutableArray<FieldError>.Builder errors, string field, string flag, string unit,
        long? requested, long limit, long? minimum, long? recommended, string? modelName)
    {
        if (requested is not { } value) return;
        if (value <= 0)
        {
            errors.Add(new FieldError(field, $"{value} {unit} is not a size",
                recommended is { } r ? $"{flag} {r} is the model's default; or leave it out" : "give a positive number, or leave it out"));
        }
        else if (value > limit)
        {
            errors.Add(new FieldError(field, $"{value} {unit} is above the limit of {limit} {unit} for one VM",
                recommended is { } r ? $"{flag} {r} is the model's default" : $"ask for at most {limit}"));
        }
        else if (minimum is { } min && value < min)
        {
            var advice = recommended is { } r && r > min ? $"{flag} {min} would fit (recommended {r})" : $"{flag} {min} would fit";
            errors.Add(new FieldError(field, $"{value} {unit} is below model '{modelName}' minimum of {min} {unit}", advice));
        }
    }

    private static void CheckModelSize(
        ImmutableArray<FieldError>.Builder errors, string dimension, long hardware, long minimum, long limit, string unit)
    {
        if (minimum <= 0)
            errors.Add(new FieldError($"minimum.{dimension}", $"{minimum} {unit} is not a size", "give the least the model runs on, a positive number"));
        else if (minimum > limit)
            errors.Add(new FieldError($"minimum.{dimension}", $"{minimum} {unit} is above the limit of {limit} {unit}", $"use at most {limit}"));
        if (hardware > limit)
            errors.Add(new FieldError($"hardware.{dimension}", $"{hardware} {unit} is above the limit of {limit} {unit}", $"use at most {limit}"));
        else if (hardware < minimum)
            errors.Add(new FieldError($"hardware.{dimension}", $"{hardware} {unit} is below the model's own minimum of {minimum} {unit}",
                $"use at least {minimum}"));
    }
}
