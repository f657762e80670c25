using CloudController.Api.Errors;
using CloudController.Api.V1;
using System.Collections.Immutable;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Catalog;
using CloudController.Domain.Sizing;
using CloudController.Domain.Templates;
using CloudController.Domain.Validation;
using CloudController.Domain.Placement;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

/// <summary>What a request becomes: the model to clone, its hardware, the apps to install, its group and memory floor.</summary>
public sealed partial class ProvisioningService
{
    /// <summary>The request's memory floor, checked against what it desires and what its model runs on.</summary>
    private static long? MinimumMemoryOf(ProvisionRequest request, Domain.Resources desired, Domain.Catalog.ModelVm template)
    {
        if (!request.HasMinMemoryMib) return null;
        var minimum = request.MinMemoryMib;
        if (minimum > desired.MemoryMib)
            throw RpcErrors.InvalidArgument("min_memory_mib", $"{minimum} MiB is above the desired {desired.MemoryMib} MiB",
                $"use at most {desired.MemoryMib}, or raise the desired memory");
        if (minimum < template.Minimum.MemoryMib)
            throw RpcErrors.InvalidArgument("min_memory_mib", $"{minimum} MiB is below model '{template.Name}' minimum of {template.Minimum.MemoryMib} MiB",
                $"--min-memory {template.Minimum.MemoryMib} would fit");
        return minimum;
    }

    private static (string? Group, GroupPolicy Policy) GroupOf(ProvisionRequest request)
    {
        var group = request.Group?.Trim() ?? "";
        var policy = (request.GroupPolicy?.Trim().ToLowerInvariant() ?? "") switch
        {
            "" => GroupPolicy.None,
            "affinity" => GroupPolicy.Affinity,
            "anti-affinity" => GroupPolicy.AntiAffinity,
            var other => throw RpcErrors.InvalidArgument("group_policy", $"'{HostnameRules.Printable(other)}' is not a policy", "use affinity or anti-affinity"),
        };
        if (group.Length == 0)
        {
            return policy == GroupPolicy.None
                ? (null, policy)
                : throw RpcErrors.InvalidArgument("group", "is required with a group policy", "name the group, e.g. web-tier");
        }
        if (HostnameRules.LabelProblem(group) is { } problem)
            throw RpcErrors.InvalidArgument("group", $"'{HostnameRules.Printable(group)}' {problem}", "use letters, digits and '-'");
        return (group, policy);
    }

    private async Task<(Domain.Catalog.ModelVm, Domain.Resources, ImmutableList<DomainProvisioning.AppInstall>?)> PlanCloneAsync(
        DomainProvisioning.ProvisionRequest request, CancellationToken ct)
    {
        Domain.Catalog.ModelVm? model = null;
        if (request.Model.Length > 0 && RequestGuard.IsPlausibleId(request.Model))
        {
            model = await actors.Ask(actors.Models, new GetModel(request.Model), ct) switch
            {
                ModelStatus s => s.Model,
                ModelNotFound => null,
                var other => throw RpcErrors.Unexpected(other),
            };
        }
        RequestGuard.ThrowIfAny(DomainProvisioning.ProvisionRequestValidator.Validate(request, model));
        return (model!, request.Overrides.ApplyTo(model!.Hardware), null);
    }

    /// <summary>
    /// A custom build: checked against the OS and app catalog (every problem, with the request that would pass),
    /// then the closest staged VM of the OS family is cloned and the apps it lacks are installed at deploy, each
    /// from its answer file filled with the requester's values.
    /// </summary>
    private async Task<(Domain.Catalog.ModelVm, Domain.Resources, ImmutableList<DomainProvisioning.AppInstall>?)> PlanCustomBuildAsync(
        string os, ProvisionRequest request, string hostname, DomainProvisioning.HardwareOverrides overrides, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.NameProblem(hostname) is { } problem)
            errors.Add(new FieldError("hostname", $"'{HostnameRules.Printable(hostname)}' {problem}", "use letters, digits and '-', e.g. 'web-01'"));

        var appNames = request.Apps.Select(a => a.Trim()).ToImmutableArray();
        var catalog = await actors.SoftwareCatalogAsync(ct);
        var catalogOs = catalog.Os(os);
        var recommended = catalogOs is null
            ? Domain.Resources.Zero
            : SizingRequirement.For(catalogOs, appNames.Select(catalog.App).OfType<AppDefinition>().Where(a => a.RunsOnOs(catalogOs)).ToList()).Recommended;
        var hardware = overrides.ApplyTo(recommended);
        var report = SizingAdvisor.Check(new CustomBuildRequest(os, appNames, hardware), catalog);
        errors.AddRange(report.Errors.Select(e => e.Field.StartsWith("hardware.", StringComparison.Ordinal)
            ? e with { Field = "overrides." + e.Field["hardware.".Length..] }
            : e));
        RequestGuard.ThrowIfAny(errors);

        var staged = (IReadOnlyList<Domain.Catalog.ModelVm>)await actors.Ask(
            actors.ModelDirectory, new ProjectionQuery<ModelDirectory>(d => d.List()), ct);
        var match = TemplateMatcher.BestMatch(catalogOs!, appNames, hardware, staged, catalog)
                    ?? throw RpcErrors.FailedPrecondition(
                        $"no staged VM of the {catalogOs!.Family} family to build from; add one with `ccm models add --os {os} ...`");

        var installs = ImmutableList.CreateBuilder<DomainProvisioning.AppInstall>();
        foreach (var app in match.MissingApps.Select(name => catalog.App(name)!))
        {
            var prefix = app.Name + ".";
            var answers = request.Answers.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToImmutableDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var rendered = app.AnswerFile?.Render(answers);
            if (rendered is { Text: null })
                errors.AddRange(rendered.Errors.Select(e => e with { Field = $"answers.{app.Name}.{e.Field["answers.".Length..]}" }));
            installs.Add(new DomainProvisioning.AppInstall(app.Name, app.AnswerFile, answers));
        }
        var installed = match.MissingApps.Select(a => a + ".").ToList();
        foreach (var key in request.Answers.Keys.Where(k => !installed.Any(p => k.StartsWith(p, StringComparison.Ordinal))))
            errors.Add(new FieldError($"answers.{key}", "answers no app installed at deploy",
                $"the deploy installs {(installed.Count == 0 ? "nothing" : string.Join(", ", match.MissingApps))}; drop it"));
        RequestGuard.ThrowIfAny(errors);
        return (match.Template, hardware, installs.ToImmutable());
    }
}
