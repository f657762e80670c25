using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// A client of QEMU's machine protocol (QMP): JSON lines over the unix socket a QEMU process listens on. Commands go
/// one at a time (QMP answers in order); asynchronous events in between are skipped, since every state this driver
/// waits for can be polled.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly StreamReader reader;
    private readonly Stream stream;
    private readonly SemaphoreSlim turn = new(1, 1);

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private QmpClient(Socket socket)
    {
        this.socket = socket;
        stream = new NetworkStream(socket, ownsSocket: false);
        reader = new StreamReader(stream, Encoding.UTF8);
    }

    /// <summary>Connects to a QMP socket, waiting for a starting process to create it, and enters command mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                var client = new QmpClient(socket);
                var greeting = await client.ReadMessageAsync(ct);
                if (greeting["QMP"] is null) throw new QmpException("greeting", $"not a QMP greeting: {greeting.ToJsonString()}");
                await client.ExecuteAsync("qmp_capabilities", null, ct);
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(20, ct);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new QmpException("connect", $"no QMP socket answered at {socketPath} within {timeout.TotalSeconds:0.#} s: {e.Message}");
            }
        }
    }

    /// <summary>Runs a command and returns its "return" value; a QMP error raises <see cref="QmpException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, object? arguments, CancellationToken ct)
    {
        await turn.WaitAsync(ct);
        try
        {
            var request = new JsonObject { ["execute"] = command };
            if (arguments is not null) request["arguments"] = JsonSerializer.SerializeToNode(arguments);
            var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
            await stream.WriteAsync(bytes, ct);
            // Once sent, a command's reply is read whatever the caller's token says: a reply left unread would be
            // taken as the answer to the next command. QEMU answers at once; a bound covers one that hangs.
            using var bound = new CancellationTokenSource(ReplyTimeout);
            while (true)
            {
                JsonObject reply;
                try { reply = await ReadMessageAsync(bound.Token); }
                catch (OperationCanceledException) { throw new QmpException(command, $"no reply within {ReplyTimeout.TotalSeconds:0} s"); }
                if (reply["event"] is not null) continue;
                if (reply["error"] is JsonObject error)
                    throw new QmpException(command, $"{error["class"]}: {error["desc"]}");
                return reply["return"];
            }
        }
        finally
        {
            turn.Release();
        }
    }

    public Task StopAsync(CancellationToken ct) => ExecuteAsync("stop", null, ct);

    public Task ContinueAsync(CancellationToken ct) => ExecuteAsync("cont", null, ct);

    public Task SystemResetAsync(CancellationToken ct) => ExecuteAsync("system_reset", null, ct);

    /// <summary>Asks QEMU to exit; the reply may be lost as the process goes, which is the point.</summary>
    public async Task QuitAsync(CancellationToken ct)
    {
        try { await ExecuteAsync("quit", null, ct); }
        catch (Exception e) when (e is IOException or QmpException) { }
    }

    public async Task<string> QueryStatusAsync(CancellationToken ct) =>
        (await ExecuteAsync("query-status", null, ct))?["status"]?.GetValue<string>() ?? "unknown";

    /// <summary>
    /// Whether the migration stream leaves out RAM the process maps shared from a file (x-ignore-shared): on for
    /// saving into and resuming from a memory file, off when all of the RAM must travel to a new process.
    /// </summary>
    public Task IgnoreSharedMemoryAsync(bool ignore, CancellationToken ct) =>
        ExecuteAsync("migrate-set-capabilities", new { capabilities = new[] { new { capability = "x-ignore-shared", state = ignore } } }, ct);

    public Task MigrateAsync(string uri, CancellationToken ct) => ExecuteAsync("migrate", new { uri }, ct);

    public Task MigrateIncomingAsync(string uri, CancellationToken ct) => ExecuteAsync("migrate-incoming", new { uri }, ct);

    /// <summary>Caps an outgoing migration's transfer rate, in bytes per second.</summary>
    public Task SetMaxBandwidthAsync(long bytesPerSecond, CancellationToken ct) =>
        ExecuteAsync("migrate-set-parameters", new Dictionary<string, long> { ["max-bandwidth"] = bytesPerSecond }, ct);

    public Task MigrateCancelAsync(CancellationToken ct) => ExecuteAsync("migrate_cancel", null, ct);

    public async Task<MigrationProgress> QueryMigrateAsync(CancellationToken ct)
    {
        var reply = await ExecuteAsync("query-migrate", null, ct);
        return new MigrationProgress(
            reply?["status"]?.GetValue<string>() ?? "none",
            reply?["total-time"]?.GetValue<long>() ?? 0,
            reply?["downtime"]?.GetValue<long>() ?? 0,
            reply?["ram"]?["transferred"]?.GetValue<long>() ?? 0,
            reply?["error-desc"]?.GetValue<string>());
    }

    /// <summary>Polls a migration (outgoing or incoming) until it completes; a failed or cancelled one raises.</summary>
    public async Task<MigrationProgress> WaitForMigrationAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var progress = await QueryMigrateAsync(ct);
            switch (progress.Status)
            {
                case "completed":
                    return progress;
                case "failed" or "cancelled":
                    throw new QmpException("migrate", $"migration {progress.Status}: {progress.Error ?? "no reason given"}");
            }
            if (DateTime.UtcNow > deadline)
                throw new QmpException("migrate", $"migration still {progress.Status} after {timeout.TotalSeconds:0} s");
            await Task.Delay(10, ct);
        }
    }

    /// <summary>
    /// Copies a disk's backing chain down to <paramref name="basePath"/> into its top image while the guest runs. The
    /// job stays listed when it concludes (auto-dismiss off), so its outcome can be read, not guessed from its absence.
    /// </summary>
    public Task BlockStreamAsync(string device, string jobId, string basePath, CancellationToken ct) =>
        ExecuteAsync("block-stream", new Dictionary<string, object> { ["device"] = device, ["job-id"] = jobId, ["base"] = basePath, ["auto-dismiss"] = false }, ct);

    /// <summary>Polls a block job until it concludes, dismisses it, and raises with its error if it failed.</summary>
    public async Task WaitForBlockJobAsync(string jobId, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var jobs = await ExecuteAsync("query-jobs", null, ct) as JsonArray;
            var job = jobs?.FirstOrDefault(j => j?["id"]?.GetValue<string>() == jobId)
                ?? throw new QmpException("block-stream", $"job {jobId} is gone without a result");
            if (job["status"]?.GetValue<string>() == "concluded")
            {
                await ExecuteAsync("job-dismiss", new { id = jobId }, ct);
                if (job["error"]?.GetValue<string>() is { } error) throw new QmpException("block-stream", $"job {jobId} failed: {error}");
                return;
            }
            if (DateTime.UtcNow > deadline) throw new QmpException("block-stream", $"job {jobId} still running after {timeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Serves this process's block devices over NBD on an address, for a source that mirrors a disk into them.</summary>
    public Task StartNbdServerAsync(string host, int port, CancellationToken ct) =>
        ExecuteAsync("nbd-server-start", new { addr = new { type = "inet", data = new { host, port = port.ToString() } } }, ct);

    /// <summary>Exports a drive, writable, under its own name (the export a mirror's <c>nbd:</c> target names).</summary>
    public Task AddNbdExportAsync(string device, CancellationToken ct) =>
        ExecuteAsync("nbd-server-add", new { device, writable = true }, ct);

    public Task StopNbdServerAsync(CancellationToken ct) => ExecuteAsync("nbd-server-stop", null, ct);

    /// <summary>
    /// Mirrors a drive into an image that exists elsewhere (an NBD export of the target's layer): <c>top</c> copies
    /// the drive's own layer only, the target having the same base; every guest write meanwhile goes to both.
    /// </summary>
    public Task DriveMirrorAsync(string device, string jobId, string target, string sync, long bytesPerSecond, CancellationToken ct) =>
        ExecuteAsync("drive-mirror", new Dictionary<string, object>
        {
            ["device"] = device, ["job-id"] = jobId, ["target"] = target, ["format"] = "raw", ["sync"] = sync, ["mode"] = "existing",
            ["speed"] = bytesPerSecond,
        }, ct);

    /// <summary>Polls a mirror until both copies are in step (ready); a job that ends or fails first raises.</summary>
    public async Task WaitForBlockJobReadyAsync(string jobId, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await BlockJobAsync(jobId, ct) ?? throw new QmpException("drive-mirror", $"job {jobId} ended before its copy was ready");
            if (job["ready"]?.GetValue<bool>() == true) return;
            if (DateTime.UtcNow > deadline) throw new QmpException("drive-mirror", $"job {jobId} not ready after {timeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>
    /// Ends a block job and waits for it to go. A ready mirror cancelled while its guest is paused leaves a consistent
    /// copy and the source on its own disk (libvirt's end of a storage migration); <paramref name="force"/> abandons
    /// a job that is not ready. A job already gone is not an error.
    /// </summary>
    public async Task CancelBlockJobAsync(string jobId, bool force, TimeSpan timeout, CancellationToken ct)
    {
        if (await BlockJobAsync(jobId, ct) is null) return;
        try { await ExecuteAsync("block-job-cancel", new Dictionary<string, object> { ["device"] = jobId, ["force"] = force }, ct); }
        catch (QmpException)
        {
            // It ended between the look and the cancel.
            if (await BlockJobAsync(jobId, ct) is null) return;
            throw;
        }
        var deadline = DateTime.UtcNow + timeout;
        while (await BlockJobAsync(jobId, ct) is not null)
        {
            if (DateTime.UtcNow > deadline) throw new QmpException("block-job-cancel", $"job {jobId} still there after {timeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }

    private async Task<JsonNode?> BlockJobAsync(string jobId, CancellationToken ct) =>
        (await ExecuteAsync("query-block-jobs", null, ct) as JsonArray)?.FirstOrDefault(j => j?["device"]?.GetValue<string>() == jobId);

    private async Task<JsonObject> ReadMessageAsync(CancellationToken ct)
    {
        var line = await reader.ReadLineAsync(ct) ?? throw new IOException("QEMU closed its QMP socket");
        return JsonNode.Parse(line) as JsonObject ?? throw new QmpException("read", $"not a QMP message: {line}");
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        socket.Dispose();
        turn.Dispose();
    }
}

/// <param name="TotalTimeMs">From the start of the migration to its end (or to now).</param>
/// <param name="DowntimeMs">How long the guest was stopped for the switch (a completed live migration).</param>
public sealed record MigrationProgress(string Status, long TotalTimeMs, long DowntimeMs, long TransferredBytes, string? Error);

/// <summary>QEMU refused a QMP command, or answered in a way that cannot be used.</summary>
public sealed class QmpException(string command, string message) : Exception($"QMP {command}: {message}")
{
    public string Command { get; } = command;
}
