using System.ComponentModel;
using System.Diagnostics;

namespace CloudController.Agent.Appliers;

/// <summary>
/// Runs one of the system's own tools (hostname, iproute2's ip, useradd, chpasswd, chown) without a shell, each
/// argument passed as given; a secret goes in on standard input, never on the command line.
/// </summary>
public static class SystemCommand
{
    /// <returns>Null when it succeeded, otherwise why not: the tool, its exit code and what it said. What it printed goes to <paramref name="output"/>.</returns>
    public static string? Run(string tool, IEnumerable<string> arguments, string? input = null, System.Text.StringBuilder? output = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Write(input ?? "");
            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync();
            var printed = process.StandardOutput.ReadToEnd();
            output?.Append(printed);
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{tool} exited with {process.ExitCode}: {errors.Result.Trim()}";
        }
        catch (Win32Exception e)
        {
            return $"{tool} could not run: {e.Message}";
        }
    }
}
