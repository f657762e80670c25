using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

public static class HostCommands
{
    public static Palette Build(CcmApp app)
    {
        var list = app.List("list", "List the hosts of the fleet with their capacity and load",
            async (_, session, ct) => await session.Hosts.ListHostsAsync(new ListHostsRequest(), cancellationToken: ct), r => HostTables.Hosts(r.Hosts));

        var id = new Argument<string>("host-id") { Description = "The host's id, as `ccm host list` shows it" };
        var show = app.Remote("show", "Show one host in detail", async (parse, session, ct) =>
        {
            var host = await session.Hosts.GetHostAsync(new GetHostRequest { Id = parse.GetValue(id) }, cancellationToken: ct);
            Output.Write(session, host, h => new Rows(HostTables.Host(h), HostTables.StateHistory(h)));
            return ExitCode.Success;
        });
        show.Arguments.Add(id);

        var state = new Argument<string>("state") { Description = "active, draining or maintenance" };
        var setState = app.Change("set", "Take a host out of placement (draining, maintenance) or put it back (active)", async (parse, session, ct) =>
        {
            var request = new SetHostStateRequest { Id = parse.GetValue(id), State = parse.GetValue(state), Reason = session.Reason ?? "" };
            Output.Write(session, await session.Hosts.SetHostStateAsync(request, cancellationToken: ct), HostTables.Host);
            return ExitCode.Success;
        });
        setState.Aliases.Add("state");
        setState.Arguments.Add(id);
        setState.Arguments.Add(state);

        var evacuate = app.Change("evacuate", "Drain a host and migrate every VM on it elsewhere (pools replace their children)", async (parse, session, ct) =>
        {
            var response = await session.Hosts.EvacuateHostAsync(new EvacuateHostRequest { Id = parse.GetValue(id) }, cancellationToken: ct);
            Output.Write(session, response, HostTables.Evacuation);
            return ExitCode.Success;
        });
        evacuate.Arguments.Add(id);

        var memory = new Option<double?>("--memory-threshold") { Description = "Memory use (0..1) above which a host sheds VMs", HelpName = "fraction" };
        var cpu = new Option<double?>("--cpu-threshold") { Description = "CPU load (0..1) above which a host sheds VMs", HelpName = "fraction" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the migrations without starting them" };
        var rebalance = app.Change("rebalance", "Migrate VMs off hosts over their load thresholds", async (parse, session, ct) =>
        {
            var request = new RebalanceRequest { MemoryThreshold = parse.GetValue(memory) ?? 0, CpuThreshold = parse.GetValue(cpu) ?? 0, DryRun = parse.GetValue(dryRun) };
            Output.Write(session, await session.Hosts.RebalanceAsync(request, cancellationToken: ct), HostTables.Migrations);
            return ExitCode.Success;
        });
        foreach (var option in new Option[] { memory, cpu, dryRun }) rebalance.Options.Add(option);

        var tokenName = new Option<string?>("--name") { Description = "The host the token is for (cc-hostd --name); any when not given", HelpName = "name" };
        var expires = DurationOption.Create("--expires", "How long the token works (default 1h, at most 7d)");
        var joinToken = app.Change("join-token", "Make a one-time token a host agent joins the fleet with (printed once)", async (parse, session, ct) =>
        {
            var request = new CreateJoinTokenRequest { Name = parse.GetValue(tokenName) ?? "", ExpiresInSeconds = (long)(parse.GetValue(expires)?.TotalSeconds ?? 0) };
            Output.WriteLine(session, await session.Hosts.CreateJoinTokenAsync(request, cancellationToken: ct), t => t.Token);
            return ExitCode.Success;
        });
        joinToken.Options.Add(tokenName);
        joinToken.Options.Add(expires);

        var agents = app.List("agents", "List the host agents that joined the fleet",
            async (_, session, ct) => await session.Hosts.ListAgentsAsync(new ListAgentsRequest(), cancellationToken: ct), r => HostTables.Agents(r.Agents));

        var agentName = new Argument<string>("name") { Description = "The host agent's name, as `ccm host agents` shows it" };
        var remove = app.Change("remove", "Remove a host agent: its certificate is revoked and no node calls it again", async (parse, session, ct) =>
        {
            var removed = await session.Hosts.RemoveAgentAsync(new RemoveAgentRequest { Name = parse.GetValue(agentName) }, cancellationToken: ct);
            Output.Write(session, removed, a => HostTables.Agents([a]));
            return ExitCode.Success;
        });
        remove.Aliases.Add("delete");
        remove.Arguments.Add(agentName);

        return app.NewPalette("host", "The hypervisor hosts of the fleet", "hosts")
            .Add(list).Add(show).Add(setState).Add(evacuate).Add(rebalance).Add(joinToken).Add(agents).Add(remove);
    }
}
