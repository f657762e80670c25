using CloudController.Cli;
using Spectre.Console;

var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Piped into a file or another program: whole rows instead of wrapping at 80 columns, and a line per stage
    // instead of a live progress bar that would fill the file with redraws.
    console.Profile.Width = 240;
    console.Profile.Capabilities.Interactive = false;
}
return await new CcmApp(console, Console.Error).RunAsync(args, CancellationToken.None);
