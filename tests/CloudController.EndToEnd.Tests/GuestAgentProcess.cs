using System.Diagnostics;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Runs the guest agent (cc-agent) as the separate program it is inside a VM, with a temporary root directory as
/// the guest's file system and a data file as the host's channel to it.
/// </summary>
public sealed class GuestAgentProcess : IDisposable
{
    public GuestAgentProcess()
    {
        Root = Directory.CreateTempSubdirectory("cc-guest-").FullName;
    }

    public string Root { get; }

    public string DataFile => Path.Combine(Root, "provisioning-data.env");

    public void WriteData(IEnumerable<KeyValuePair<string, string>> values) =>
        File.WriteAllLines(DataFile, values.Select(v => $"{v.Key}={v.Value}"));

    public async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var agent = AgentAssembly();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(agent);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>The agent's own build output, of the same configuration and framework as the tests.</summary>
    private static string AgentAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var repository = output;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "CloudController.sln"))) repository = repository.Parent;
        var agent = Path.Combine(repository!.FullName, "src", "CloudController.Agent", "bin", configuration, framework, "cc-agent.dll");
        return File.Exists(agent) ? agent : throw new FileNotFoundException($"the agent is not built at {agent}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory: the OS cleans it later.
        }
    }
}
