using System.CommandLine;
using CloudController.Cli.Rendering;
using Spectre.Console;

namespace CloudController.Cli.Commands;

/// <summary>
/// A group of related commands (hosts, models, vm, task), the way pbm groups its commands into palettes. The
/// palette alone, or its `help` command, lists its commands in a table.
/// </summary>
public sealed class Palette
{
    private readonly IAnsiConsole _console;
    private readonly List<Command> _commands = [];

    public Palette(string name, string description, IAnsiConsole console)
    {
        _console = console;
        Command = new Command(name, description);
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
        _console.Write(HelpTables.Palette(_commands.Select(c => ($"{Command.Name} {Usage(c)}", c.Description ?? ""))));
        _console.WriteLine($"Options of a command: ccm {Command.Name} <command> --help");
        return (int)ExitCode.Success;
    }

    /// <summary>A command's name, its arguments and its required options, as people type them.</summary>
    public static string Usage(Command command) =>
        string.Join(" ", new[] { command.Name }
            .Concat(command.Arguments.Select(a => $"<{a.Name}>"))
            .Concat(command.Options.Where(o => o.Required).Select(o => $"{o.Name} <{o.HelpName ?? "value"}>")));
}
