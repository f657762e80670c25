using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class InstantCommands
{
    public static Palette Build(CcmApp app)
    {
        var name = new Argument<string>("name") { Description = "The image's name in the library" };
        var vm = new Option<string>("--vm") { Description = "The running, fully configured VM to suspend into the library", Required = true, HelpName = "vm-id" };
        var capture = app.Change("capture", "Suspend a running VM in place and keep it as an instant-deploy image", async (parse, session, ct) =>
        {
            var image = await session.Catalog.CaptureInstantImageAsync(
                new CaptureInstantImageRequest { Name = parse.GetValue(name), VmId = parse.GetValue(vm) }, cancellationToken: ct);
            Output.WriteLine(session, image, i => $"Instant image {i.Name} captured from VM {i.SourceVmId} ({i.HardwareClass} hardware). " +
                                                  $"Deploy it with `ccm vm provision --instant {i.Name} --hostname <name>`.");
            return ExitCode.Success;
        });
        capture.Arguments.Add(name);
        capture.Options.Add(vm);

        var list = app.List("list", "List the instant-deploy library",
            async (_, session, ct) => await session.Catalog.ListInstantImagesAsync(new ListInstantImagesRequest(), cancellationToken: ct),
            r => InstantTables.InstantImages(r.Images));

        var removeName = new Argument<string>("name") { Description = "The image's name" };
        var remove = app.Change("delete", "Remove an image from the library; its source VM resumes", async (parse, session, ct) =>
        {
            var response = await session.Catalog.RemoveInstantImageAsync(new RemoveInstantImageRequest { Name = parse.GetValue(removeName) }, cancellationToken: ct);
            Output.WriteLine(session, response, r => $"Image removed; VM {r.SourceVmId} is running again.");
            return ExitCode.Success;
        });
        remove.Aliases.Add("remove");
        remove.Arguments.Add(removeName);

        return app.NewPalette("instant", "The instant-deploy library: suspended VMs that deploy by resuming").Add(capture).Add(list).Add(remove);
    }
}
