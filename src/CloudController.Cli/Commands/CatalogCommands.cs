using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

public static class CatalogCommands
{
    public static Palette Build(CcmApp app)
    {
        var oses = app.Remote("oses", "List the operating systems and what each needs", async (_, session, ct) =>
        {
            var response = await session.Advisor.ListOsesAsync(new ListOsesRequest(), cancellationToken: ct);
            Output.Write(session, response, () => Tables.Oses(response.Oses));
            return ExitCode.Success;
        });
        var apps = app.Remote("apps", "List the application library and where each app runs", async (_, session, ct) =>
        {
            var response = await session.Advisor.ListAppsAsync(new ListAppsRequest(), cancellationToken: ct);
            Output.Write(session, response, () => Tables.Apps(response.Apps));
            return ExitCode.Success;
        });
        var profiles = app.Remote("profiles", "List the hardware profiles", async (_, session, ct) =>
        {
            var response = await session.Advisor.ListProfilesAsync(new ListProfilesRequest(), cancellationToken: ct);
            Output.Write(session, response, () => Tables.Profiles(response.Profiles));
            return ExitCode.Success;
        });
        var goals = app.Remote("goals", "List the performance goals and the hardware rule of each", async (_, session, ct) =>
        {
            var response = await session.Advisor.ListGoalsAsync(new ListGoalsRequest(), cancellationToken: ct);
            Output.Write(session, response, () => Tables.Goals(response.Goals));
            return ExitCode.Success;
        });

        var os = new Option<string>("--os") { Description = "The operating system", Required = true, HelpName = "os" };
        var appNames = new Option<string[]>("--app") { Description = "An app to install; repeat for several" };
        var cpu = new Option<int?>("--cpu") { Description = "vCPUs", HelpName = "n" };
        var memory = new Option<long?>("--memory") { Description = "Memory, MiB", HelpName = "mib" };
        var disk = new Option<long?>("--disk") { Description = "Disk, GiB", HelpName = "gib" };
        var profile = new Option<string?>("--profile") { Description = "A hardware profile instead of --cpu/--memory/--disk", HelpName = "name" };
        var goal = new Option<string?>("--goal") { Description = "A performance goal instead, e.g. web-server", HelpName = "name" };
        var amount = new Option<double?>("--goal-amount") { Description = "How much of the goal, in its unit", HelpName = "n" };
        var check = app.Remote("check", "Check a custom build: problems, minimum, recommendation, best template", async (parse, session, ct) =>
        {
            var request = new CheckBuildRequest { Os = parse.GetValue(os), Profile = parse.GetValue(profile) ?? "", Goal = parse.GetValue(goal) ?? "" };
            request.Apps.AddRange(parse.GetValue(appNames) ?? []);
            if (parse.GetValue(goal) is not null) request.GoalAmount = parse.GetValue(amount) ?? 0;
            if (parse.GetValue(cpu) is not null || parse.GetValue(memory) is not null || parse.GetValue(disk) is not null)
            {
                request.Hardware = new Resources
                {
                    CpuCores = parse.GetValue(cpu) ?? 0, MemoryMib = parse.GetValue(memory) ?? 0, DiskGib = parse.GetValue(disk) ?? 0,
                };
            }
            var response = await session.Advisor.CheckBuildAsync(request, cancellationToken: ct);
            Output.Write(session, response, () => new Rows(Tables.BuildCheck(response)));
            return response.Passes ? ExitCode.Success : ExitCode.Refused;
        });
        foreach (var option in new Option[] { os, appNames, cpu, memory, disk, profile, goal, amount }) check.Options.Add(option);

        return app.NewPalette("catalog", "OSes, the app library, hardware profiles, goals; check a custom build")
            .Add(oses).Add(apps).Add(profiles).Add(goals).Add(check);
    }
}
