using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class QuotaCommands
{
    public static Palette Build(CcmApp app)
    {
        var user = new Option<string?>("--user") { Description = "Whose quota (yours unless you are an administrator); needed with access control off", HelpName = "name" };
        var show = app.Remote("show", "Show a user's limits on VMs, vCPUs, memory and disk, and what their VMs hold now", async (parse, session, ct) =>
        {
            Output.Write(session, await session.Quotas.GetQuotaAsync(new GetQuotaRequest { User = parse.GetValue(user) ?? "" }, cancellationToken: ct), QuotaTables.Quota);
            return ExitCode.Success;
        });
        show.Options.Add(user);

        var setUser = new Argument<string>("user") { Description = "The owner the limits are for" };
        var vms = new Option<int?>("--vms") { Description = "VMs at most", HelpName = "n" };
        var vcpu = new Option<int?>("--vcpu") { Description = "vCPUs at most, over all the user's VMs", HelpName = "n" };
        var memory = new Option<long?>("--memory") { Description = "Memory at most, MiB", HelpName = "mib" };
        var disk = new Option<long?>("--disk") { Description = "Disk at most, GiB", HelpName = "gib" };
        var clear = new Option<string[]>("--clear") { Description = "Remove a limit (no limit): vms, vcpu, memory or disk; repeat", HelpName = "limit" };
        clear.AcceptOnlyFromAmong("vms", "vcpu", "memory", "disk");
        var set = app.Change("set", "Set a user's limits (administrators); a limit not given stays as it was", async (parse, session, ct) =>
        {
            var request = new SetQuotaRequest { User = parse.GetValue(setUser), Clear = { parse.GetValue(clear) ?? [] } };
            if (parse.GetValue(vms) is { } v) request.Vms = v;
            if (parse.GetValue(vcpu) is { } c) request.Vcpus = c;
            if (parse.GetValue(memory) is { } m) request.MemoryMib = m;
            if (parse.GetValue(disk) is { } d) request.DiskGib = d;
            Output.Write(session, await session.Quotas.SetQuotaAsync(request, cancellationToken: ct), QuotaTables.Quota);
            return ExitCode.Success;
        });
        set.Arguments.Add(setUser);
        foreach (var option in new Option[] { vms, vcpu, memory, disk, clear }) set.Options.Add(option);

        return app.NewPalette("quota", "Limits per owner on VMs, vCPUs, memory and disk", "quotas").Add(show).Add(set);
    }
}
