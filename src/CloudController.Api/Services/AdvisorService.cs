using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.AppLibrary;
using CloudController.Domain.Catalog;
using CloudController.Domain.Placement;
using CloudController.Domain.Validation;
using HardwareProfile = CloudController.Api.V1.HardwareProfile;
using CloudController.Domain.Sizing;
using CloudController.Domain.Templates;
using Grpc.Core;
using DomainModel = CloudController.Domain.Catalog.ModelVm;

namespace CloudController.Api.Services;

/// <summary>The heuristics engine over gRPC: sizing advice, best-match templates and placement explanations.</summary>
public sealed class AdvisorService(ControllerActors actors, SoftwareCatalogSettings software) : Advisor.AdvisorBase
{
    public override async Task<ListOsesResponse> ListOses(ListOsesRequest request, ServerCallContext context)
    {
        var response = new ListOsesResponse();
        response.Oses.AddRange((await actors.SoftwareCatalogAsync(context.CancellationToken)).Oses.Values
            .OrderBy(o => o.Name, StringComparer.Ordinal).Select(o => o.ToProto()));
        return response;
    }

    public override async Task<ListAppsResponse> ListApps(ListAppsRequest request, ServerCallContext context)
    {
        var response = new ListAppsResponse();
        response.Apps.AddRange((await actors.SoftwareCatalogAsync(context.CancellationToken)).Apps.Values
            .OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => a.ToProto()));
        return response;
    }

    public override async Task<ListProfilesResponse> ListProfiles(ListProfilesRequest request, ServerCallContext context)
    {
        var response = new ListProfilesResponse();
        response.Profiles.AddRange((await actors.SoftwareCatalogAsync(context.CancellationToken)).Profiles.Values
            .OrderBy(p => p.Hardware.MemoryMib).Select(p => new HardwareProfile { Name = p.Name, Hardware = p.Hardware.ToProto() }));
        return response;
    }

    public override async Task<Os> DefineOs(Os request, ServerCallContext context)
    {
        var os = new OsDefinition(request.Name?.Trim() ?? "", request.Family?.Trim() ?? "", request.ServicePack?.Trim() ?? "",
            request.Minimum.ToDomain(), request.Headroom == 0 ? 1 : request.Headroom);
        RequestGuard.ThrowIfAny(SoftwareEntryValidator.Validate(os));
        await DefineAsync(new SoftwareEntryProtocol.DefineOs(os), context);
        return os.ToProto();
    }

    public override async Task<App> DefineApp(App request, ServerCallContext context)
    {
        var errors = new List<FieldError>();
        AnswerFileTemplate? answerFile = null;
        if (!string.IsNullOrEmpty(request.AnswerFile))
        {
            if (!Enum.TryParse<AnswerFileFormat>(request.AnswerFileFormat, ignoreCase: true, out var format) || !Enum.IsDefined(format))
                errors.Add(new FieldError("answer_file_format", $"'{request.AnswerFileFormat}' is not a format", "use ini, xml or shell"));
            else if (request.AnswerFile.Length > 64 * 1024)
                errors.Add(new FieldError("answer_file", $"is {request.AnswerFile.Length} characters long", "keep an answer file under 64 KiB"));
            else
                answerFile = new AnswerFileTemplate(request.Name?.Trim() ?? "", format, request.AnswerFile);
        }
        var app = new AppDefinition(request.Name?.Trim() ?? "", request.RunsOn.Select(r => r.Trim()).ToImmutableArray(),
            request.Minimum.ToDomain(), request.Headroom == 0 ? 1 : request.Headroom, answerFile);
        errors.AddRange(SoftwareEntryValidator.Validate(app));
        RequestGuard.ThrowIfAny(errors);
        await DefineAsync(new SoftwareEntryProtocol.DefineApp(app), context);
        return app.ToProto();
    }

    public override async Task<HardwareProfile> DefineProfile(HardwareProfile request, ServerCallContext context)
    {
        var profile = new Domain.Catalog.HardwareProfile(request.Name?.Trim() ?? "", request.Hardware.ToDomain());
        RequestGuard.ThrowIfAny(SoftwareEntryValidator.Validate(profile));
        await DefineAsync(new SoftwareEntryProtocol.DefineProfile(profile), context);
        return request;
    }

    public override async Task<RemoveCatalogEntryResponse> RemoveCatalogEntry(RemoveCatalogEntryRequest request, ServerCallContext context)
    {
        if (!Enum.TryParse<SoftwareEntryKind>(request.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            throw RpcErrors.InvalidArgument("kind", $"'{request.Kind}' is not a kind of entry", "use os, app or profile");
        var name = RequestGuard.Id(request.Name, "name", $"list them with `ccm catalog {kind.ToString().ToLowerInvariant()}s`");
        var catalog = await actors.SoftwareCatalogAsync(context.CancellationToken);
        var known = kind switch
        {
            SoftwareEntryKind.Os => catalog.Oses.ContainsKey(name),
            SoftwareEntryKind.App => catalog.Apps.ContainsKey(name),
            _ => catalog.Profiles.ContainsKey(name),
        };
        if (!known) throw RpcErrors.NotFound($"no {kind.ToString().ToLowerInvariant()} named '{name}' in the catalog");
        await DefineAsync(new SoftwareEntryProtocol.RemoveEntry(kind, name), context);
        return new RemoveCatalogEntryResponse();
    }

    private async Task DefineAsync(SoftwareEntryProtocol.ISoftwareEntryCommand command, ServerCallContext context)
    {
        if (await actors.Ask(actors.SoftwareEntries, command, context.CancellationToken) is not SoftwareEntryProtocol.EntryChanged)
            throw RpcErrors.Unavailable("the catalog did not record the change; retry");
    }

    public override Task<ListGoalsResponse> ListGoals(ListGoalsRequest request, ServerCallContext context)
    {
        var response = new ListGoalsResponse();
        response.Goals.AddRange(software.Goals.Select(g => new Goal
        {
            Name = g.Goal, Unit = g.Unit, Per = g.Per, Base = g.Base.ToProto(), Each = g.Each.ToProto(),
        }));
        return Task.FromResult(response);
    }

    public override async Task<CheckBuildResponse> CheckBuild(CheckBuildRequest request, ServerCallContext context)
    {
        var hardware = HardwareOf(request, await actors.SoftwareCatalogAsync(context.CancellationToken));
        var build = new CustomBuildRequest(request.Os?.Trim() ?? "", request.Apps.Select(a => a.Trim()).ToImmutableArray(), hardware);
        var catalog = await actors.SoftwareCatalogAsync(context.CancellationToken);
        var report = SizingAdvisor.Check(build, catalog);

        var response = new CheckBuildResponse
        {
            Passes = report.Passes,
            Requested = hardware.ToProto(),
            SuggestedOs = report.Suggested.Os,
            SuggestedHardware = report.Suggested.Hardware.ToProto(),
            Minimum = report.Requirement?.Minimum.ToProto(),
            Recommended = report.Requirement?.Recommended.ToProto(),
        };
        response.Problems.AddRange(report.Errors.Select(e => new FieldProblem { Field = e.Field, Description = e.Description }));
        response.SuggestedApps.AddRange(report.Suggested.Apps);

        if (catalog.Os(build.Os) is { } os)
        {
            var staged = (IReadOnlyList<DomainModel>)await actors.Ask(
                actors.ModelDirectory, new ProjectionQuery<ModelDirectory>(d => d.List()), context.CancellationToken);
            if (TemplateMatcher.BestMatch(os, report.Suggested.Apps, report.Suggested.Hardware, staged, catalog) is { } match)
            {
                response.Template = new TemplateChoice { Model = match.Template.Name, Exact = match.IsExact, Differences = match.Differences };
                response.Template.MissingApps.AddRange(match.MissingApps);
                response.Template.ExtraApps.AddRange(match.ExtraApps);
            }
        }
        return response;
    }

    public override async Task<ExplainPlacementResponse> ExplainPlacement(ExplainPlacementRequest request, ServerCallContext context)
    {
        var amount = request.Hardware.ToDomain();
        if (amount.CpuCores <= 0 || amount.MemoryMib <= 0 || amount.DiskGib <= 0)
            throw RpcErrors.InvalidArgument("hardware", $"{amount} is not a VM size", "give positive vCPUs, memory and disk");
        var strategy = request.Strategy?.Trim().ToLowerInvariant() switch
        {
            "" or null or "spread" => PlacementStrategy.Spread,
            "pack" => PlacementStrategy.Pack,
            var other => throw RpcErrors.InvalidArgument("strategy", $"'{other}' is not a strategy", "use spread or pack"),
        };
        var placement = PlacementRequest.For(amount) with
        {
            RequiredCpuFlags = request.CpuFlags.Select(f => f.Trim()).ToImmutableArray(),
            Strategy = strategy,
        };
        var decision = await actors.FleetView.Ask<PlacementDecision>(new FleetViewProtocol.Place(placement), actors.AskTimeout, context.CancellationToken);

        var response = new ExplainPlacementResponse
        {
            Found = decision.Found,
            Explanation = PlacementExplanation.Explain(decision, placement),
            HostsConsidered = decision.HostsConsidered,
        };
        response.Candidates.AddRange(decision.Candidates);
        response.Rejections.AddRange(decision.Rejections.Select(r => new V1.HostRejection { HostId = r.HostId, Filter = r.Filter, Reason = r.Reason }));
        return response;
    }

    /// <summary>The build's hardware: given outright, by a profile, or from a performance goal, exactly one of them.</summary>
    private Domain.Resources HardwareOf(CheckBuildRequest request, SoftwareCatalog catalog)
    {
        var given = new[] { request.Hardware is not null, request.Profile.Length > 0, request.Goal.Length > 0 }.Count(x => x);
        if (given != 1)
            throw RpcErrors.InvalidArgument("hardware", "the hardware must be given one way", "set exactly one of hardware, profile or goal");
        if (request.Profile.Length > 0)
        {
            return catalog.Profiles.TryGetValue(request.Profile, out var profile)
                ? profile.Hardware
                : throw RpcErrors.InvalidArgument("profile", $"no profile named '{request.Profile}'",
                    $"choose one of {string.Join(", ", catalog.Profiles.Keys.Order(StringComparer.Ordinal))}");
        }
        if (request.Goal.Length > 0)
        {
            var rule = software.Goal(request.Goal) ?? throw RpcErrors.InvalidArgument("goal", $"no goal named '{request.Goal}'",
                $"choose one of {string.Join(", ", software.Goals.Select(g => g.Goal))}");
            if (request.GoalAmount <= 0 || double.IsNaN(request.GoalAmount) || double.IsInfinity(request.GoalAmount) || request.GoalAmount > 1e9)
                throw RpcErrors.InvalidArgument("goal_amount", $"{request.GoalAmount} is not a {rule.Unit} goal", $"give a positive number of {rule.Unit}");
            return rule.Suggest(request.GoalAmount);
        }
        return request.Hardware.ToDomain();
    }
}
