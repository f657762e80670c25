using System.Diagnostics;
using System.Text;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// The node program (or a host agent) run as a process of its own, from its build output of the tests'
/// configuration: what a fault test kills with SIGKILL, or stops with SIGTERM, as an operator or the kernel would.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (the node runs in the dotnet host's own process).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public static NodeProcess Start(string name, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment) =>
        Start(name, Built("CloudController.Node", "CloudController.Node.dll"), args, environment);

    /// <summary>A host agent (cc-hostd) with these arguments.</summary>
    public static NodeProcess StartHostAgent(string name, IReadOnlyList<string> args) =>
        Start(name, Built("CloudController.HostAgent", "cc-hostd.dll"), args, new Dictionary<string, string>());

    private static NodeProcess Start(string name, string assembly, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return new NodeProcess(name, Process.Start(start)!);
    }

    /// <summary>
    /// SIGKILL: no shutdown, no leaving the cluster, nothing flushed. Returns once the process is gone. With
    /// <paramref name="alone"/> its children live on, as QEMU guests outlive a host agent the kernel killed.
    /// </summary>
    public void Kill(bool alone = false)
    {
        _process.Kill(entireProcessTree: !alone);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod; the node leaves the cluster and exits.</summary>
    public async Task<bool> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Built(string project, string assembly)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        var repository = output;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "CloudController.sln"))) repository = repository.Parent;
        var built = Path.Combine(repository!.FullName, "src", project, "bin", configuration, framework, assembly);
        return File.Exists(built) ? built : throw new FileNotFoundException($"{project} is not built at {built}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
