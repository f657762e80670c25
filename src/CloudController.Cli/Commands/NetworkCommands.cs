using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Google.Protobuf;

namespace CloudController.Cli.Commands;

public static class NetworkCommands
{
    public static Palette Build(CcmApp app)
    {
        var file = new Option<FileInfo>("--file")
        {
            Description = "The network as JSON: {\"name\", \"domain\", \"ipRange\", \"members\": [{\"role\", \"model\", \"hostname\", \"data\": {...}}]}",
            Required = true, HelpName = "network.json",
        };
        var create = app.Change("create", "Provision several VMs as one unit; their data may refer to each other: ${app.ip}", async (parse, session, ct) =>
        {
            var path = parse.GetValue(file)!;
            ProvisionNetworkRequest request;
            try
            {
                request = JsonParser.Default.Parse<ProvisionNetworkRequest>(await File.ReadAllTextAsync(path.FullName, ct));
            }
            catch (Exception e) when (e is IOException or InvalidProtocolBufferException or InvalidJsonException)
            {
                session.Errors.WriteLine($"{path.Name} is not a network description: {e.Message}");
                return ExitCode.Usage;
            }
            Output.Write(session, await session.Provisioning.ProvisionNetworkAsync(request, cancellationToken: ct), NetworkTables.Network);
            return ExitCode.Success;
        });
        create.Options.Add(file);

        var name = new Argument<string>("network") { Description = "The network's name" };
        var show = app.Remote("show", "Show a network: its phase and each member's identity and state", async (parse, session, ct) =>
        {
            Output.Write(session, await session.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = parse.GetValue(name) }, cancellationToken: ct), NetworkTables.Network);
            return ExitCode.Success;
        });
        show.Arguments.Add(name);

        return app.NewPalette("network", "Networks of cooperating VMs, provisioned as one unit", "networks").Add(create).Add(show);
    }
}
