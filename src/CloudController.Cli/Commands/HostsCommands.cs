using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class HostsCommands
{
    public static Palette Build(CcmApp app)
    {
        var list = app.Remote("list", "List the hosts of the fleet with their capacity and load", async (_, session, ct) =>
        {
            var response = await session.Hosts.ListHostsAsync(new ListHostsRequest(), cancellationToken: ct);
            Output.Write(session, response, r => Tables.Hosts(r.Hosts));
            return ExitCode.Success;
        });

        var id = new Argument<string>("host-id") { Description = "The host's id, as `ccm hosts list` shows it" };
        var show = app.Remote("show", "Show one host in detail", async (parse, session, ct) =>
        {
            var host = await session.Hosts.GetHostAsync(new GetHostRequest { Id = parse.GetValue(id) }, cancellationToken: ct);
            Output.Write(session, host, Tables.Host);
            return ExitCode.Success;
        });
        show.Arguments.Add(id);

        return app.NewPalette("hosts", "The hypervisor hosts of the fleet").Add(list).Add(show);
    }
}
