using System.CommandLine;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

/// <summary>
/// A group of related commands (host, model, vm, task), the way pbm groups its commands into palettes. Palettes
/// are singular nouns and verbs are create, delete, list, show and set where they fit; the plural palette names and
/// the verbs ccm had before are aliases, so older scripts keep working. The palette alone, or its `help` command,
/// lists its commands in a table.
/// </summary>
public sealed class Palette
{
    private readonly IAnsiConsole _console;
    private readonly List<Command> _commands = [];

    public Palette(string name, string description, IAnsiConsole console, params string[] aliases)
    {
        _console = console;
        Command = new Command(name, description);
        foreach (var alias in aliases) Command.Aliases.Add(alias);
        var help = new Command("help", $"List the {name} commands");
        help.SetAction(_ => List());
        Command.Subcommands.Add(help);
        Command.SetAction(_ => List());
    }

    public Command Command { get; }

    public Palette Add(Command command)
    {
        _commands.Add(command);
        Command.Subcommands.Add(command);
        return this;
    }

    private int List()
    {
        _console.Write(HelpTables.Palette(_commands.Select(c => ($"{Command.Name} {Usage(c)}", Described(c)))));
        _console.WriteLine($"Options of a command: ccm {Command.Name} <command> --help");
        return (int)ExitCode.Success;
    }

    /// <summary>What a command does, and the older names it still answers to.</summary>
    public static string Described(Command command) =>
        (command.Description ?? "") + (command.Aliases.Count == 0 ? "" : $" (also: {string.Join(", ", command.Aliases)})");

    /// <summary>A command's name, its arguments and its required options, as people type them.</summary>
    public static string Usage(Command command) =>
        string.Join(" ", new[] { command.Name }
            .Concat(command.Arguments.Select(a => $"<{a.Name}>"))
            .Concat(command.Options.Where(o => o.Required).Select(o => $"{o.Name} <{o.HelpName ?? "value"}>")));
}
