using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class PlacementCommands
{
    public static Palette Build(CcmApp app)
    {
        var cpu = new Option<int>("--cpu") { Description = "vCPUs", Required = true, HelpName = "n" };
        var memory = new Option<long>("--memory") { Description = "Memory, MiB", Required = true, HelpName = "mib" };
        var disk = new Option<long>("--disk") { Description = "Disk, GiB", Required = true, HelpName = "gib" };
        var flags = new Option<string[]>("--cpu-flag") { Description = "A CPU flag the host must have; repeat for several" };
        var strategy = new Option<string?>("--strategy") { Description = "spread (default) or pack", HelpName = "strategy" };
        var explain = app.Remote("explain", "Where a VM of this size would go now, and why each other host would not do", async (parse, session, ct) =>
        {
            var request = new ExplainPlacementRequest
            {
                Hardware = new Resources { CpuCores = parse.GetValue(cpu), MemoryMib = parse.GetValue(memory), DiskGib = parse.GetValue(disk) },
                Strategy = parse.GetValue(strategy) ?? "",
            };
            request.CpuFlags.AddRange(parse.GetValue(flags) ?? []);
            var response = await session.Advisor.ExplainPlacementAsync(request, cancellationToken: ct);
            Output.Write(session, response, PlacementTables.Placement);
            return response.Found ? ExitCode.Success : ExitCode.NoCapacity;
        });
        foreach (var option in new Option[] { cpu, memory, disk, flags, strategy }) explain.Options.Add(option);

        return app.NewPalette("placement", "Where VMs go, and why").Add(explain);
    }
}
