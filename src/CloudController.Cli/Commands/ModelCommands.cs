using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class ModelCommands
{
    public static Palette Build(CcmApp app)
    {
        var name = new Argument<string>("name") { Description = "The model's name (lower-case letters, digits, '-')" };
        var os = new Option<string>("--os") { Description = "Operating system, e.g. ubuntu-24.04", Required = true, HelpName = "os" };
        var apps = new Option<string[]>("--app") { Description = "An installed app; repeat for several", AllowMultipleArgumentsPerToken = false };
        var cpu = new Option<int>("--cpu") { Description = "vCPUs its clones get", Required = true, HelpName = "n" };
        var memory = new Option<long>("--memory") { Description = "Memory its clones get, MiB", Required = true, HelpName = "mib" };
        var disk = new Option<long>("--disk") { Description = "Disk its clones get, GiB", Required = true, HelpName = "gib" };
        var minCpu = new Option<int>("--min-cpu") { Description = "Least vCPUs it runs on", Required = true, HelpName = "n" };
        var minMemory = new Option<long>("--min-memory") { Description = "Least memory it runs on, MiB", Required = true, HelpName = "mib" };
        var minDisk = new Option<long>("--min-disk") { Description = "Least disk it runs on (its image's size), GiB", Required = true, HelpName = "gib" };
        var servicePack = new Option<string?>("--service-pack") { Description = "The OS service-pack level, e.g. sp2", HelpName = "level" };
        var users = new Option<string[]>("--user") { Description = "A user account configured in the model; repeat for several" };
        var image = new Option<string>("--image") { Description = "Base disk image its clones are layered on: NAME.qcow2 in the node's image store", Required = true, HelpName = "image" };
        var imageUrl = new Option<string?>("--image-url") { Description = "Fetch the image into the node's image store from this http(s) address first (once; checked against the digest)", HelpName = "url" };
        var sha256 = new Option<string?>("--sha256") { Description = "The image's SHA-256 (64 hex digits), as its publisher gives it", HelpName = "hex" };
        var sha512 = new Option<string?>("--sha512") { Description = "Or its SHA-512 (128 hex digits), as in a SHA512SUMS file", HelpName = "hex" };

        var add = app.Change("create", "Add a model VM to the catalog", async (parse, session, ct) =>
        {
            var request = new AddModelRequest
            {
                Name = parse.GetValue(name),
                Os = parse.GetValue(os),
                Hardware = new Resources { CpuCores = parse.GetValue(cpu), MemoryMib = parse.GetValue(memory), DiskGib = parse.GetValue(disk) },
                Minimum = new Resources { CpuCores = parse.GetValue(minCpu), MemoryMib = parse.GetValue(minMemory), DiskGib = parse.GetValue(minDisk) },
                DiskImage = parse.GetValue(image),
                ServicePack = parse.GetValue(servicePack) ?? "",
                ImageUrl = parse.GetValue(imageUrl) ?? "",
                ImageSha256 = parse.GetValue(sha256) ?? "",
                ImageSha512 = parse.GetValue(sha512) ?? "",
            };
            request.Apps.AddRange(parse.GetValue(apps) ?? []);
            request.Users.AddRange(parse.GetValue(users) ?? []);
            var model = await session.Catalog.AddModelAsync(request, cancellationToken: ct);
            Output.Write(session, model, ModelTables.Model);
            return ExitCode.Success;
        });
        add.Aliases.Add("add");
        add.Arguments.Add(name);
        foreach (var option in new Option[] { os, servicePack, apps, users, cpu, memory, disk, minCpu, minMemory, minDisk, image, imageUrl, sha256, sha512 }) add.Options.Add(option);

        var list = app.List("list", "List the catalog's models",
            async (_, session, ct) => await session.Catalog.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct), r => ModelTables.Models(r.Models));

        var showName = new Argument<string>("name") { Description = "The model's name" };
        var show = app.Remote("show", "Show one model", async (parse, session, ct) =>
        {
            var model = await session.Catalog.GetModelAsync(new GetModelRequest { Name = parse.GetValue(showName) }, cancellationToken: ct);
            Output.Write(session, model, ModelTables.Model);
            return ExitCode.Success;
        });
        show.Arguments.Add(showName);

        var removeName = new Argument<string>("name") { Description = "The model's name" };
        var remove = app.Change("delete", "Remove a model from the catalog (VMs cloned from it stay)", async (parse, session, ct) =>
        {
            var modelName = parse.GetValue(removeName)!;
            var response = await session.Catalog.RemoveModelAsync(new RemoveModelRequest { Name = modelName }, cancellationToken: ct);
            Output.WriteLine(session, response, _ => $"Model {modelName} removed.");
            return ExitCode.Success;
        });
        remove.Aliases.Add("remove");
        remove.Arguments.Add(removeName);

        return app.NewPalette("model", "The catalog of model VMs", "models").Add(add).Add(list).Add(show).Add(remove);
    }
}
