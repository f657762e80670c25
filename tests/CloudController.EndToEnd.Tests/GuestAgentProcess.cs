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

    public string StateDirectory => Path.Combine(Root, "var/lib/cc-agent");

    /// <summary>Writes the channel's data as the guest sees it, with its generation.</summary>
    public void WriteData(Hypervisor.GuestData data) =>
        WriteData(data.Values.Append(KeyValuePair.Create("guest.generation", data.Generation.ToString())));

    public async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>Starts the agent's daemon in the background; disposing the handle kills it, as a guest shutting down would.</summary>
    public Daemon StartDaemon(Uri endpoint)
    {
        var process = Start(["daemon", "--endpoint", endpoint.ToString(), "--data", DataFile, "--root", Root, "--state", StateDirectory]);
        return new Daemon(process);
    }

    public sealed class Daemon(Process process) : IDisposable
    {
        private readonly System.Text.StringBuilder _output = Capture(process);

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }

        private static System.Text.StringBuilder Capture(Process p)
        {
            var text = new System.Text.StringBuilder();
            p.OutputDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
            p.ErrorDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return text;
        }
    }

    private static Process Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(AgentAssembly());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
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
