using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace CloudController.Agent;

/// <summary>
/// The host's channel into the VM: the second serial port the QEMU driver gives each VM (a socket of that VM's
/// process alone, so a forked child reads its own data). The daemon says "ready" when it listens; the host answers
/// with the VM's data and sends every later generation as one JSON line <c>{"generation":N,"data":{...}}</c>.
/// </summary>
public sealed class HostChannel : IDisposable
{
    public const string DefaultDevice = "/dev/ttyS1";

    private readonly FileStream port;

    private HostChannel(FileStream port) => this.port = port;

    /// <summary>The channel, or null when the device is not there (a serial port without hardware cannot be opened).</summary>
    public static HostChannel? TryOpen(string device)
    {
        try
        {
            // Kept open for the daemon's life: closing a serial port's last descriptor drops what it had received.
            return new HostChannel(new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Says the daemon listens, then yields every generation the host sends; other lines (apps, customizations) are not the daemon's.</summary>
    public async IAsyncEnumerable<ChannelData> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await port.WriteAsync("ready\n"u8.ToArray(), ct);
        using var reader = new StreamReader(port, Encoding.UTF8, leaveOpen: true);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (Parse(line) is { } data) yield return data;
        }
    }

    public static ChannelData? Parse(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object ||
                !json.RootElement.TryGetProperty("generation", out var generation) || !json.RootElement.TryGetProperty("data", out var data) ||
                data.ValueKind != JsonValueKind.Object)
                return null;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            // A key twice is not one generation's data: which value would the host have meant?
            foreach (var p in data.EnumerateObject())
                if (!values.TryAdd(p.Name, p.Value.GetString() ?? "")) return null;
            return new ChannelData(generation.GetInt64(), values);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public void Dispose() => port.Dispose();
}

/// <summary>One generation of a VM's data as the host's channel delivers it, with the agent's own keys (guest.*).</summary>
public sealed record ChannelData(long Generation, IReadOnlyDictionary<string, string> Values);
