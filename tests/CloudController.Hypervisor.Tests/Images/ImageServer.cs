using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace CloudController.Hypervisor.Tests.Images;

/// <summary>
/// An image server for the fetch tests: HTTP on a free loopback port, serving byte arrays by path (404 for anything
/// else) and counting the requests, so a test can tell whether an image was fetched again.
/// </summary>
public sealed class ImageServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _held = new(StringComparer.Ordinal);
    private readonly List<Task> _responses = [];
    private readonly Task _serving;
    private int _requests;

    private ImageServer(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref _requests);

    public static ImageServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var listener = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
            try
            {
                listener.Start();
                return new ImageServer(listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between the probe and the listener: take another.
                listener.Close();
            }
        }
    }

    public string Serve(string path, byte[] content)
    {
        lock (_files) _files[path] = content;
        return $"http://127.0.0.1:{Port}/{path}";
    }

    /// <summary>
    /// Makes the image at <paramref name="path"/> come slowly: its first half is sent at once, the rest only when the
    /// returned action runs (or the server stops), so a test can act while a download is in progress.
    /// </summary>
    public Action Hold(string path)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_files) _held[path] = gate;
        return () => gate.TrySetResult();
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Sha512(byte[] content) => Convert.ToHexStringLower(SHA512.HashData(content));

    /// <summary>The bytes of a small empty qcow2 disk made by qemu-img, as a publisher's image would be.</summary>
    public static byte[] Qcow2(string scratchDirectory, string size = "64M")
    {
        Directory.CreateDirectory(scratchDirectory);
        var file = Path.Combine(scratchDirectory, $"made-{Guid.NewGuid():N}.qcow2");
        QemuImg("create", "-q", "-f", "qcow2", file, size);
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        return bytes;
    }

    /// <summary>Runs qemu-img; raises with what it said, or with what to install when the machine has none.</summary>
    public static string QemuImg(params string[] arguments)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("the image tests need qemu-img (Debian: qemu-utils); .ci/run installs it");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"qemu-img {string.Join(' ', arguments)} exited {process.ExitCode}: {errors}");
            return output;
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _requests);
            // Each request answered on its own, so a held image does not hold up the others.
            lock (_responses) _responses.Add(Task.Run(() => RespondAsync(context)));
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath.TrimStart('/');
        byte[]? content;
        TaskCompletionSource? held;
        lock (_files)
        {
            _files.TryGetValue(path, out content);
            _held.TryGetValue(path, out held);
        }
        using var response = context.Response;
        if (content is null)
        {
            response.StatusCode = 404;
            return;
        }
        response.ContentLength64 = content.Length;
        try
        {
            var first = held is null ? content.Length : content.Length / 2;
            await response.OutputStream.WriteAsync(content.AsMemory(0, first));
            if (held is null) return;
            await response.OutputStream.FlushAsync();
            await held.Task;
            await response.OutputStream.WriteAsync(content.AsMemory(first));
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away mid-image, or the server stopped.
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_files)
            foreach (var gate in _held.Values) gate.TrySetResult();
        _listener.Stop();
        await _serving;
        Task[] responses;
        lock (_responses) responses = [.. _responses];
        await Task.WhenAll(responses);
        _listener.Close();
    }
}
