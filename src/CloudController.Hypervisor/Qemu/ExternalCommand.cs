using System.Diagnostics;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Runs a host tool (qemu-img, cp) to completion; a non-zero exit raises with what the tool said.</summary>
internal static class ExternalCommand
{
    /// <param name="alsoSuccess">Non-zero exits that still mean success for this tool (qemu-img check: 3, leaked clusters only).</param>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct, params int[] alsoSuccess)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} could not be started ({e.Message}); is it installed and on PATH?", e);
        }
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0 && !alsoSuccess.Contains(process.ExitCode))
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}: {(await stderr).Trim()}");
        return await stdout;
    }
}
