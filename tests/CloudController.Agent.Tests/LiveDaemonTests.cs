using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CloudController.Agent.Tests.Appliers;

namespace CloudController.Agent.Tests;

/// <summary>
/// <c>cc-agent daemon --live</c> as a guest runs it, in fresh UTS and network namespaces of its own (eth0 one end of a
/// veth pair in them) so the host's name and addresses stay untouched, with a throwaway root for its files and accounts. The
/// host's channel is a FIFO the test writes generations into; the controller to acknowledge to is not there, which
/// the daemon logs and goes on. Host name and addresses are read from inside the namespaces while it runs.
/// </summary>
public class LiveDaemonTests
{
    [SkippableFact]
    public async Task A_running_daemon_changes_the_host_name_and_addresses_live_at_each_generation()
    {
        GuestRoot.SkipUnlessRoot();
        Skip.IfNot(File.Exists("/usr/bin/unshare") && Run("ip", "-V").Exit == 0, "needs unshare (util-linux) and ip (iproute2)");
        using var root = new GuestRoot().WithAccounts();
        var fifo = Path.Combine(root.Path, "ttyS1");
        Assert.Equal(0, Run("mkfifo", fifo).Exit);

        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--uts", "--net", "--", "sh", "-c", "ip link add eth0 type veth peer name peer0 && exec \"$@\"", "sh",
                     "dotnet", Path.Combine(AppContext.BaseDirectory, "cc-agent.dll"), "daemon", "--live", "--root", root.Path,
                     "--state", Path.Combine(root.Path, "var/lib/cc-agent"), "--channel", fifo])
            start.ArgumentList.Add(argument);
        using var daemon = Process.Start(start)!;
        var output = new StringBuilder();
        daemon.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        daemon.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            // Read-write, as the daemon opens it: opening a FIFO so never waits for the other end.
            await using var channel = new StreamWriter(new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0)) { AutoFlush = true };
            await channel.WriteLineAsync(Generation(1, "web-01", "10.9.0.5", "s3cret-marker"));
            await Until(daemon, () => Said(output, "applied generation 1"), output);
            Assert.Equal("web-01", Inside(daemon, "hostname").Trim());
            Assert.Contains("inet 10.9.0.5/24", Inside(daemon, "ip", "-4", "-o", "address", "show", "dev", "eth0"));
            Assert.StartsWith("$6$", File.ReadLines(Path.Combine(root.Path, "etc/shadow")).Single(l => l.StartsWith("alice:", StringComparison.Ordinal)).Split(':')[1]);

            await channel.WriteLineAsync(Generation(2, "web-02", "10.9.0.6", "s3cret-marker"));
            await Until(daemon, () => Said(output, "applied generation 2"), output);
            Assert.Equal("web-02", Inside(daemon, "hostname").Trim());
            var addresses = Inside(daemon, "ip", "-4", "-o", "address", "show", "dev", "eth0");
            Assert.Contains("inet 10.9.0.6/24", addresses);
            Assert.DoesNotContain("10.9.0.5", addresses);
            Assert.False(daemon.HasExited);
            Assert.False(Said(output, "failed:"), "a key failed to apply");
            Assert.Equal(Environment.MachineName, Run("hostname").Output.Trim());
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
        }
    }

    private static string Generation(long generation, string hostname, string ip, string password) => JsonSerializer.Serialize(new
    {
        generation,
        data = new Dictionary<string, string>
        {
            ["guest.vm-id"] = "vm-1", ["guest.token"] = "t", ["controller.endpoint"] = "http://127.0.0.1:9",
            ["hostname"] = hostname, ["ip"] = ip, ["users"] = "alice", ["users.alice.password"] = password,
            ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA alice",
        },
    });

    private static bool Said(StringBuilder output, string line)
    {
        lock (output) return output.ToString().Contains(line, StringComparison.Ordinal);
    }

    /// <summary>A command in the daemon's UTS and network namespaces.</summary>
    private static string Inside(Process daemon, params string[] command) =>
        Run("nsenter", ["--target", daemon.Id.ToString(), "--uts", "--net", "--", .. command]).Output;

    private static async Task Until(Process daemon, Func<bool> condition, StringBuilder output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || daemon.HasExited)
            {
                lock (output) Assert.Fail($"not applied within 60 s (or the daemon ended); it said:\n{output}");
            }
            await Task.Delay(100);
        }
    }

    private static (int Exit, string Output) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
