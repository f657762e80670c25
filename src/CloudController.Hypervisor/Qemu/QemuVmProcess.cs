using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// One running QEMU process of a VM: its QMP connection and its end of the guest channel. The process is not a
/// child that dies with the node: VMs outlive a controller restart, and a restarted node attaches to them by pid.
/// Its cloud-init seed (which may hold secrets) is unlinked once the guest listens and when the process stops: QEMU
/// keeps the file open, so the guest still reads it (at a reboot too), while no name on the host leads to it. A
/// guest that never listens (no daemon) keeps it for the life of its process, for cloud-init's next boot.
/// </summary>
internal sealed class QemuVmProcess : IAsyncDisposable
{
    /// <summary>What a guest daemon says on the channel when it starts listening (at boot, after each reboot).</summary>
    public const string GuestReady = "ready";

    private readonly SemaphoreSlim channelTurn = new(1, 1);
    private readonly Socket channel;
    private readonly CancellationTokenSource reading = new();
    private readonly Func<QemuVmProcess, Task> onGuestReady;
    private readonly string? seed;
    private int readyCount;
    private volatile bool resumedListening;
    private long sentGeneration;

    private QemuVmProcess(int pid, int launch, QmpClient qmp, Socket channel, string? seed, Func<QemuVmProcess, Task> onGuestReady)
    {
        Pid = pid;
        this.seed = seed;
        Launch = launch;
        Qmp = qmp;
        this.channel = channel;
        this.onGuestReady = onGuestReady;
        _ = ReadChannelAsync();
    }

    public int Pid { get; }

    /// <summary>When this process was started or attached to: a guest in its first start-up window may not listen yet.</summary>
    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public int Launch { get; }

    public QmpClient Qmp { get; }

    /// <summary>How many times the guest has said it listens: once per boot.</summary>
    public int ReadyCount => Volatile.Read(ref readyCount);

    /// <summary>
    /// Whether the guest's daemon reads the channel: it said so, or this process resumed a guest that was already
    /// reading (a resume, a fork, a migration), which says nothing new.
    /// </summary>
    public bool Listening => ReadyCount > 0 || resumedListening;

    public void ResumedListening()
    {
        resumedListening = true;
        ForgetSeed();
    }

    /// <summary>Unlinks the process's seed: its guest reads it through the descriptor QEMU holds.</summary>
    public void ForgetSeed()
    {
        if (seed is not null) File.Delete(seed);
    }

    /// <summary>Waits for the guest's daemon to listen, so that a message sent just after a boot is not lost.</summary>
    public async Task WaitForListeningAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (!Listening) await WaitForGuestReadyAsync(0, timeout, ct);
    }

    /// <summary>
    /// Starts QEMU (stderr appended to its log, through a shell that execs it, so nothing ties it to this process)
    /// and connects to it. A process that exits during start-up raises with the reason QEMU logged.
    /// </summary>
    public static async Task<QemuVmProcess> StartAsync(string program, QemuLaunch launch, int number, string logFile, TimeSpan timeout,
        Func<QemuVmProcess, Task> onGuestReady, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$QEMU_LOG\" 2>&1");
        start.ArgumentList.Add(program);
        foreach (var argument in launch.Arguments()) start.ArgumentList.Add(argument);
        start.Environment["QEMU_LOG"] = logFile;
        foreach (var stale in new[] { launch.QmpSocket, launch.ChannelSocket, launch.PidFile }) File.Delete(stale);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var connecting = QmpClient.ConnectAsync(launch.QmpSocket, timeout, ct);
        var exited = process.WaitForExitAsync(ct);
        if (await Task.WhenAny(connecting, exited) == exited && !connecting.IsCompletedSuccessfully)
            throw new InvalidOperationException($"QEMU exited at start ({process.ExitCode}): {Tail(logFile)}");
        QmpClient qmp;
        try
        {
            qmp = await connecting;
        }
        catch (QmpException e)
        {
            Kill(process.Id);
            throw new InvalidOperationException($"{e.Message}; QEMU said: {Tail(logFile)}", e);
        }
        return new QemuVmProcess(process.Id, number, qmp, await ConnectChannelAsync(launch.ChannelSocket, ct), launch.SeedDisk, onGuestReady);
    }

    /// <summary>Reconnects to a VM's process after a node restart, if it still runs.</summary>
    public static async Task<QemuVmProcess?> AttachAsync(string pidFile, string qmpSocket, string channelSocket, string seed, int number,
        Func<QemuVmProcess, Task> onGuestReady, CancellationToken ct)
    {
        if (RunningPid(pidFile) is not { } pid) return null;
        var qmp = await QmpClient.ConnectAsync(qmpSocket, TimeSpan.FromSeconds(5), ct);
        return new QemuVmProcess(pid, number, qmp, await ConnectChannelAsync(channelSocket, ct), seed, onGuestReady);
    }

    private static async Task<Socket> ConnectChannelAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
        return socket;
    }

    /// <summary>Waits until the guest has said it listens more than <paramref name="seen"/> times (it came back from a reboot).</summary>
    public async Task WaitForGuestReadyAsync(int seen, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ReadyCount <= seen)
        {
            if (DateTime.UtcNow > deadline) throw new IOException($"the guest did not come back on its channel within {timeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The guest's side of the channel: each "ready" gets the VM's current data sent back.</summary>
    private async Task ReadChannelAsync()
    {
        try
        {
            using var reader = new StreamReader(new NetworkStream(channel, ownsSocket: false), Encoding.UTF8);
            while (await reader.ReadLineAsync(reading.Token) is { } line)
            {
                if (line.Trim() != GuestReady) continue;
                // A daemon that (re)starts listening has nothing of what was sent before.
                Interlocked.Exchange(ref sentGeneration, 0);
                Interlocked.Increment(ref readyCount);
                ForgetSeed();
                await onGuestReady(this);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    /// <summary>The pid a QEMU process wrote to its pid file, if that process still runs.</summary>
    public static int? RunningPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && IsAlive(pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether a process's command line names a path: a recycled pid is not taken for one of ours.</summary>
    public static bool CommandLineMentions(int pid, string path)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(path, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether a process exists and is not a zombie; one that goes while being looked at is not alive.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Writes one JSON line to the guest, which reads it from its second serial port.</summary>
    public async Task SendAsync(string line, CancellationToken ct)
    {
        await channelTurn.WaitAsync(ct);
        try
        {
            await channel.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, ct);
        }
        finally
        {
            channelTurn.Release();
        }
    }

    /// <summary>
    /// Tells the guest its VM's data, once per generation: a second copy could still sit unread in the guest's
    /// buffers when it is suspended as a fork parent, and every child would then read the parent's identity.
    /// </summary>
    public async Task SendDataAsync(GuestData data, CancellationToken ct)
    {
        await channelTurn.WaitAsync(ct);
        try
        {
            if (data.Generation <= sentGeneration) return;
            var line = JsonSerializer.Serialize(new { generation = data.Generation, data = data.Values });
            await channel.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, ct);
            sentGeneration = data.Generation;
        }
        finally
        {
            channelTurn.Release();
        }
    }

    /// <summary>Asks QEMU to quit, and kills it if it has not gone within a few seconds.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        await Qmp.QuitAsync(ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (IsAlive(Pid) && DateTime.UtcNow < deadline) await Task.Delay(10, ct);
        Kill(Pid);
        ForgetSeed();
        await DisposeAsync();
    }

    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(5000);
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    private static string Tail(string logFile) =>
        File.Exists(logFile) ? string.Join(" | ", File.ReadAllLines(logFile).TakeLast(3)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await reading.CancelAsync();
        channel.Dispose();
        await Qmp.DisposeAsync();
    }
}
