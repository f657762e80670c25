using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

public static class CatalogCommands
{
    public static Palette Build(CcmApp app)
    {
        var oses = app.List("oses", "List the operating systems and what each needs",
            async (_, session, ct) => await session.Advisor.ListOsesAsync(new ListOsesRequest(), cancellationToken: ct), r => CatalogTables.Oses(r.Oses));
        var apps = app.List("apps", "List the application library and where each app runs",
            async (_, session, ct) => await session.Advisor.ListAppsAsync(new ListAppsRequest(), cancellationToken: ct), r => CatalogTables.Apps(r.Apps));
        var profiles = app.List("profiles", "List the hardware profiles",
            async (_, session, ct) => await session.Advisor.ListProfilesAsync(new ListProfilesRequest(), cancellationToken: ct), r => CatalogTables.Profiles(r.Profiles));
        var goals = app.List("goals", "List the performance goals and the hardware rule of each",
            async (_, session, ct) => await session.Advisor.ListGoalsAsync(new ListGoalsRequest(), cancellationToken: ct), r => CatalogTables.Goals(r.Goals));

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
            Output.Write(session, response, r => new Rows(CatalogTables.BuildCheck(r)));
            return response.Passes ? ExitCode.Success : ExitCode.Refused;
        });
        foreach (var option in new Option[] { os, appNames, cpu, memory, disk, profile, goal, amount }) check.Options.Add(option);

        var osName = new Argument<string>("name") { Description = "The OS's name, e.g. ubuntu-24.04" };
        var family = new Option<string>("--family") { Description = "Its family, e.g. linux", Required = true, HelpName = "family" };
        var servicePack = new Option<string?>("--service-pack") { Description = "Its service-pack level", HelpName = "level" };
        var minCpu = new Option<int>("--min-cpu") { Description = "Least vCPUs", Required = true, HelpName = "n" };
        var minMemory = new Option<long>("--min-memory") { Description = "Least memory, MiB", Required = true, HelpName = "mib" };
        var minDisk = new Option<long>("--min-disk") { Description = "Least disk, GiB", Required = true, HelpName = "gib" };
        var headroom = new Option<double?>("--headroom") { Description = "How much above the minimum to recommend, e.g. 1.5", HelpName = "factor" };
        var defineOs = app.Change("define-os", "Add or replace an OS", async (parse, session, ct) =>
        {
            var defined = await session.Advisor.DefineOsAsync(new Os
            {
                Name = parse.GetValue(osName), Family = parse.GetValue(family), ServicePack = parse.GetValue(servicePack) ?? "",
                Minimum = new Resources { CpuCores = parse.GetValue(minCpu), MemoryMib = parse.GetValue(minMemory), DiskGib = parse.GetValue(minDisk) },
                Headroom = parse.GetValue(headroom) ?? 1,
            }, cancellationToken: ct);
            Output.WriteLine(session, defined, d => $"OS {d.Name} defined.");
            return ExitCode.Success;
        });
        defineOs.Arguments.Add(osName);
        foreach (var option in new Option[] { family, servicePack, minCpu, minMemory, minDisk, headroom }) defineOs.Options.Add(option);

        var appName = new Argument<string>("name") { Description = "The app's name, e.g. redis" };
        var runsOn = new Option<string[]>("--runs-on") { Description = "An OS or family it runs on; repeat for several", Required = true, HelpName = "os" };
        var addsCpu = new Option<int>("--cpu") { Description = "vCPUs it needs", HelpName = "n" };
        var addsMemory = new Option<long>("--memory") { Description = "Memory it adds, MiB", HelpName = "mib" };
        var addsDisk = new Option<long>("--disk") { Description = "Disk it adds, GiB", HelpName = "gib" };
        var appHeadroom = new Option<double?>("--headroom") { Description = "How much above its need to recommend", HelpName = "factor" };
        var answerFile = new Option<FileInfo?>("--answer-file") { Description = "Its installer's answer-file template, with {{name}} placeholders", HelpName = "path" };
        var answerFormat = new Option<string?>("--answer-format") { Description = "ini, xml or shell", HelpName = "format" };
        var defineApp = app.Change("define-app", "Add or replace an app of the library", async (parse, session, ct) =>
        {
            var request = new App
            {
                Name = parse.GetValue(appName),
                Minimum = new Resources { CpuCores = parse.GetValue(addsCpu), MemoryMib = parse.GetValue(addsMemory), DiskGib = parse.GetValue(addsDisk) },
                Headroom = parse.GetValue(appHeadroom) ?? 1,
                AnswerFileFormat = parse.GetValue(answerFormat) ?? "",
            };
            if (parse.GetValue(answerFile) is { } file)
            {
                if (!file.Exists)
                {
                    session.Errors.WriteLine($"--answer-file: no file {file.FullName}.");
                    return ExitCode.Usage;
                }
                request.AnswerFile = await File.ReadAllTextAsync(file.FullName, ct);
            }
            request.RunsOn.AddRange(parse.GetValue(runsOn) ?? []);
            var defined = await session.Advisor.DefineAppAsync(request, cancellationToken: ct);
            Output.WriteLine(session, defined, d => $"App {d.Name} defined.");
            return ExitCode.Success;
        });
        defineApp.Arguments.Add(appName);
        foreach (var option in new Option[] { runsOn, addsCpu, addsMemory, addsDisk, appHeadroom, answerFile, answerFormat }) defineApp.Options.Add(option);

        var profileName = new Argument<string>("name") { Description = "The profile's name" };
        var pCpu = new Option<int>("--cpu") { Description = "vCPUs", Required = true, HelpName = "n" };
        var pMemory = new Option<long>("--memory") { Description = "Memory, MiB", Required = true, HelpName = "mib" };
        var pDisk = new Option<long>("--disk") { Description = "Disk, GiB", Required = true, HelpName = "gib" };
        var defineProfile = app.Change("define-profile", "Add or replace a hardware profile", async (parse, session, ct) =>
        {
            var defined = await session.Advisor.DefineProfileAsync(new HardwareProfile
            {
                Name = parse.GetValue(profileName),
                Hardware = new Resources { CpuCores = parse.GetValue(pCpu), MemoryMib = parse.GetValue(pMemory), DiskGib = parse.GetValue(pDisk) },
            }, cancellationToken: ct);
            Output.WriteLine(session, defined, d => $"Profile {d.Name} defined.");
            return ExitCode.Success;
        });
        defineProfile.Arguments.Add(profileName);
        foreach (var option in new Option[] { pCpu, pMemory, pDisk }) defineProfile.Options.Add(option);

        var kind = new Argument<string>("kind") { Description = "os, app or profile" };
        var entryName = new Argument<string>("name") { Description = "The entry's name" };
        var remove = app.Change("delete", "Remove an OS, app or profile from the catalog", async (parse, session, ct) =>
        {
            var response = await session.Advisor.RemoveCatalogEntryAsync(
                new RemoveCatalogEntryRequest { Kind = parse.GetValue(kind), Name = parse.GetValue(entryName) }, cancellationToken: ct);
            Output.WriteLine(session, response, _ => $"{parse.GetValue(kind)} {parse.GetValue(entryName)} removed.");
            return ExitCode.Success;
        });
        remove.Aliases.Add("remove");
        remove.Arguments.Add(kind);
        remove.Arguments.Add(entryName);

        return app.NewPalette("catalog", "OSes, the app library, hardware profiles, goals; check a custom build")
            .Add(oses).Add(apps).Add(profiles).Add(goals).Add(check).Add(defineOs).Add(defineApp).Add(defineProfile).Add(remove);
    }
}
