using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Placement;
using CloudController.Domain.Sizing;
using CloudController.Domain.Templates;
using Grpc.Core;
using DomainModel = CloudController.Domain.Catalog.ModelVm;

namespace CloudController.Api.Services;

/// <summary>The heuristics engine over gRPC: sizing advice, best-match templates and placement explanations.</summary>
public sealed class AdvisorService(ControllerActors actors, SoftwareCatalogSettings software) : Advisor.AdvisorBase
{
    public override Task<ListOsesResponse> ListOses(ListOsesRequest request, ServerCallContext context)
    {
        var response = new ListOsesResponse();
        response.Oses.AddRange(software.Catalog.Oses.Values.OrderBy(o => o.Name, StringComparer.Ordinal).Select(o => new Os
        {
            Name = o.Name, Family = o.Family, ServicePack = o.ServicePack, Minimum = o.Minimum.ToProto(), Headroom = o.Headroom,
        }));
        return Task.FromResult(response);
    }

    public override Task<ListAppsResponse> ListApps(ListAppsRequest request, ServerCallContext context)
    {
        var response = new ListAppsResponse();
        response.Apps.AddRange(software.Catalog.Apps.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a =>
        {
            var app = new App { Name = a.Name, Minimum = a.Minimum.ToProto(), Headroom = a.Headroom };
            app.RunsOn.AddRange(a.RunsOn);
            return app;
        }));
        return Task.FromResult(response);
    }

    public override Task<ListProfilesResponse> ListProfiles(ListProfilesRequest request, ServerCallContext context)
    {
        var response = new ListProfilesResponse();
        response.Profiles.AddRange(software.Catalog.Profiles.Values.OrderBy(p => p.Hardware.MemoryMib)
            .Select(p => new HardwareProfile { Name = p.Name, Hardware = p.Hardware.ToProto() }));
        return Task.FromResult(response);
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
        var hardware = HardwareOf(request);
        var build = new CustomBuildRequest(request.Os?.Trim() ?? "", request.Apps.Select(a => a.Trim()).ToImmutableArray(), hardware);
        var report = SizingAdvisor.Check(build, software.Catalog);

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

        if (software.Catalog.Os(build.Os) is { } os)
        {
            var staged = (IReadOnlyList<DomainModel>)await actors.Ask(
                actors.ModelDirectory, new ProjectionQuery<ModelDirectory>(d => d.List()), context.CancellationToken);
            if (TemplateMatcher.BestMatch(os, report.Suggested.Apps, report.Suggested.Hardware, staged, software.Catalog) is { } match)
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
    private Domain.Resources HardwareOf(CheckBuildRequest request)
    {
        var given = new[] { request.Hardware is not null, request.Profile.Length > 0, request.Goal.Length > 0 }.Count(x => x);
        if (given != 1)
            throw RpcErrors.InvalidArgument("hardware", "the hardware must be given one way", "set exactly one of hardware, profile or goal");
        if (request.Profile.Length > 0)
        {
            return software.Catalog.Profiles.TryGetValue(request.Profile, out var profile)
                ? profile.Hardware
                : throw RpcErrors.InvalidArgument("profile", $"no profile named '{request.Profile}'",
                    $"choose one of {string.Join(", ", software.Catalog.Profiles.Keys.Order(StringComparer.Ordinal))}");
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
