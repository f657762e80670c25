using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class KeyPoolCommands
{
    public static Palette Build(CcmApp app)
    {
        var status = app.Remote("show", "Show the key pool: sets ready, its marks, refill and hand-out rates, time to empty", async (_, session, ct) =>
        {
            Output.Write(session, await session.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest(), cancellationToken: ct), KeyPoolTables.KeyPool);
            return ExitCode.Success;
        });

        status.Aliases.Add("status");

        var vm = new Argument<string>("vm-id") { Description = "The VM the token is for" };
        var hostname = new Option<string?>("--hostname") { Description = "The host name its agent will present; a VM the controller knows has its record's, leave it out", HelpName = "name" };
        var ip = new Option<string?>("--ip") { Description = "The address its agent will present; a VM the controller knows has its record's, leave it out", HelpName = "address" };
        var token = app.Change("token", "Issue a one-time activation token for a VM (printed once; only its hash is kept)", async (parse, session, ct) =>
        {
            var request = new IssueActivationTokenRequest { VmId = parse.GetValue(vm), Hostname = parse.GetValue(hostname) ?? "", Ip = parse.GetValue(ip) ?? "" };
            Output.WriteLine(session, await session.KeyPool.IssueActivationTokenAsync(request, cancellationToken: ct), r => r.Token);
            return ExitCode.Success;
        });
        token.Arguments.Add(vm);
        token.Options.Add(hostname);
        token.Options.Add(ip);

        return app.NewPalette("keypool", "First-boot key sets, made ahead and handed out once").Add(status).Add(token);
    }
}
