using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class TemplateCommands
{
    public static Palette Build(CcmApp app)
    {
        var name = new Argument<string>("template") { Description = "The template's name, e.g. web-tpl" };
        var model = new Option<string>("--model") { Description = "The catalog model its replicas are cloned from", Required = true, HelpName = "model" };
        var customize = new Option<string[]>("--customize")
        {
            Description = "A customization the replica gets once, before children are forked, with the reboots it needs: name:reboots; repeat",
            HelpName = "name:reboots",
        };
        var childMemory = new Option<long?>("--child-memory") { Description = "Memory each child writes of its own, MiB (default 64)", HelpName = "mib" };
        customize.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.Split(':') is not [{ Length: > 0 }, var n] || !int.TryParse(n, out _)))
                result.AddError($"--customize takes name:reboots, e.g. add-data-disk:2, got '{token.Value}'.");
        });
        var define = app.Change("create", "Define a fork template: a model and the customizations its replicas get once", async (parse, session, ct) =>
        {
            var request = new DefineTemplateRequest { Name = parse.GetValue(name), Model = parse.GetValue(model), ChildPrivateMemoryMib = parse.GetValue(childMemory) ?? 0 };
            foreach (var c in parse.GetValue(customize) ?? [])
            {
                var parts = c.Split(':');
                request.Customizations.Add(new ParentCustomization { Name = parts[0], Reboots = int.Parse(parts[1]) });
            }
            Output.Write(session, await session.Pools.DefineTemplateAsync(request, cancellationToken: ct), TemplateTables.Template);
            return ExitCode.Success;
        });
        define.Aliases.Add("define");
        define.Arguments.Add(name);
        define.Options.Add(model);
        define.Options.Add(customize);
        define.Options.Add(childMemory);

        var show = app.Remote("show", "Show a template and its replica on each host", async (parse, session, ct) =>
        {
            Output.Write(session, await session.Pools.GetTemplateAsync(new GetTemplateRequest { Name = parse.GetValue(name) }, cancellationToken: ct), TemplateTables.Template);
            return ExitCode.Success;
        });
        show.Arguments.Add(name);

        var host = new Argument<string>("host-id") { Description = "The host whose replica goes" };
        var remove = app.Change("remove-replica", "Remove a template's replica from a host (refused while children share it)", async (parse, session, ct) =>
        {
            var request = new RemoveReplicaRequest { Template = parse.GetValue(name), HostId = parse.GetValue(host) };
            Output.Write(session, await session.Pools.RemoveReplicaAsync(request, cancellationToken: ct), TemplateTables.Template);
            return ExitCode.Success;
        });
        remove.Arguments.Add(name);
        remove.Arguments.Add(host);

        return app.NewPalette("template", "Fork templates: customized once per host, the parents of pool children", "templates").Add(define).Add(show).Add(remove);
    }
}
