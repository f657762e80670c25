using CloudController.Cli;
using Spectre.Console;

var console = AnsiConsole.Console;
// Piped into a file or another program, tables keep whole rows instead of wrapping at 80 columns.
if (Console.IsOutputRedirected) console.Profile.Width = 240;
return await new CcmApp(console, Console.Error).RunAsync(args, CancellationToken.None);
