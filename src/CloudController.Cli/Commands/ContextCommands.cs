using System.CommandLine;
using System.Text.Json;
using CloudController.Cli.Contexts;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

/// <summary>`ccm context`: named endpoints with their token and CA files, kept in the contexts file, as kubectl's.</summary>
public static class ContextCommands
{
    public static Palette Build(CcmApp app)
    {
        var list = app.Local("list", "List the contexts; * marks the one in use", (parse, file, _) =>
        {
            Output.Write(app.Console, app.FormatOf(parse), () => ContextTables.Contexts(file), () => JsonSerializer.Serialize(file));
            return ExitCode.Success;
        });

        var name = new Argument<string>("name") { Description = "The context's name, e.g. lab or prod" };
        var set = app.Local("set", "Create a context or change it: --endpoint, --token-file, --ca-file (the ones given change)", (parse, file, save) =>
        {
            var contextName = parse.GetValue(name)!;
            var old = file.Contexts.GetValueOrDefault(contextName) ?? new CcmContext(null, null, null);
            file.Contexts[contextName] = new CcmContext(
                parse.GetValue(app.EndpointOption) ?? old.Endpoint,
                parse.GetValue(app.TokenFileOption)?.FullName ?? old.TokenFile,
                parse.GetValue(app.CaFileOption)?.FullName ?? old.CaFile);
            save();
            app.Console.WriteLine($"Context {contextName} set{(file.Current == contextName ? " (in use)" : $"; use it with `ccm context use {contextName}`")}.");
            return ExitCode.Success;
        });
        set.Arguments.Add(name);

        var use = app.Local("use", "Use a context from now on (--context NAME chooses one for a single command)", (parse, file, save) =>
        {
            var contextName = parse.GetValue(name)!;
            if (!file.Contexts.ContainsKey(contextName)) return NoSuch(app, contextName);
            file.Current = contextName;
            save();
            app.Console.WriteLine($"Using context {contextName}.");
            return ExitCode.Success;
        });
        use.Arguments.Add(name);

        var delete = app.Local("delete", "Delete a context (its token and CA files stay)", (parse, file, save) =>
        {
            var contextName = parse.GetValue(name)!;
            if (!file.Contexts.Remove(contextName)) return NoSuch(app, contextName);
            if (file.Current == contextName) file.Current = null;
            save();
            app.Console.WriteLine($"Context {contextName} deleted.");
            return ExitCode.Success;
        });
        delete.Arguments.Add(name);

        return app.NewPalette("context", "Named endpoints with their token and CA files, chosen with --context or `context use`", "contexts")
            .Add(list).Add(set).Add(use).Add(delete);
    }

    private static ExitCode NoSuch(CcmApp app, string name)
    {
        app.Errors.WriteLine($"There is no context '{name}'; list them with `ccm context list`, or make it with `ccm context set {name} --endpoint URL`.");
        return ExitCode.NotFound;
    }
}
