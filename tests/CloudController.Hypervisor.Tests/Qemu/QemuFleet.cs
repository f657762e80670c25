using System.Text.Json.Nodes;
using CloudController.Domain;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// Two QEMU hosts on this machine over a fresh root, with the tiny guest as their only image. Disposing it kills
/// whatever QEMU processes the test (or load run) left and removes the root, so none leaks a VM into the next.
/// </summary>
public sealed class QemuFleet : IAsyncDisposable
{
    public const string HostA = "qemu-a";
    public const string HostB = "qemu-b";
    public static readonly Resources Guest = new(1, 128, 1);

    private QemuFleet(string root, QemuDriver driver)
    {
        Root = root;
        Driver = driver;
    }

    public string Root { get; }

    public QemuDriver Driver { get; }

    public static async Task<QemuFleet> StartAsync(Func<QemuDriverOptions, QemuDriverOptions>? tune = null, bool genericKernel = false, int readyAfterSeconds = 0)
    {
        var root = Path.Combine(Path.GetTempPath(), "cc-qemu-" + Guid.NewGuid().ToString("N")[..8]);
        var images = Path.Combine(root, "images");
        await TinyGuest.BuildAsync(images, genericKernel: genericKernel, readyAfterSeconds: readyAfterSeconds);
        var options = new QemuDriverOptions(root, images,
            [new QemuHostOptions(HostA, new Resources(2, 4096, 100)), new QemuHostOptions(HostB, new Resources(2, 4096, 100))],
            RuntimeDirectory: Path.Combine(root, "run"));
        return new QemuFleet(root, new QemuDriver(tune?.Invoke(options) ?? options));
    }

    /// <summary>A base layer of the tiny image on a host and a VM registered over a layer of its own.</summary>
    public async Task<VmDefinition> RegisterAsync(string host, string vmId, string? datastore = null, bool sharedBase = false)
    {
        var ct = CancellationToken.None;
        await Driver.EnsureBaseLayerAsync(host, new BaseLayerSpec("base-tiny", TinyGuest.Image, 1, sharedBase), ct);
        await Driver.CreateDiskLayerAsync(host, new DiskLayerSpec($"{vmId}-disk", "base-tiny", 1, datastore), ct);
        var vm = new VmDefinition(vmId, vmId + ".test", Guest, $"{vmId}-disk");
        await Driver.RegisterVmAsync(host, vm, ct);
        return vm;
    }

    /// <summary>A VM registered as <see cref="RegisterAsync"/> does, powered on, and booted to its console's first line.</summary>
    public async Task<VmDefinition> BootAsync(string host, string vmId, string? datastore = null, bool sharedBase = false)
    {
        var vm = await RegisterAsync(host, vmId, datastore, sharedBase);
        await Driver.PowerOnAsync(host, vmId, CancellationToken.None);
        await WaitForBootAsync(host, vmId);
        return vm;
    }

    /// <summary>Writes a byte pattern over the first MiBs of a VM's own layer (the VM must not run), as a guest's writes would.</summary>
    public async Task WriteDiskAsync(string host, string vmId, byte pattern, int mib)
    {
        if (!await QemuIoAsync(host, vmId, $"write -P 0x{pattern:x2} 0 {mib}M")) throw new InvalidOperationException($"qemu-io could not write VM {vmId}'s layer");
    }

    /// <summary>Whether the first MiBs of a VM's disk (its whole chain, read while no process holds it) hold the pattern.</summary>
    public Task<bool> DiskHoldsAsync(string host, string vmId, byte pattern, int mib) => QemuIoAsync(host, vmId, $"read -P 0x{pattern:x2} 0 {mib}M");

    private async Task<bool> QemuIoAsync(string host, string vmId, string command)
    {
        using var io = System.Diagnostics.Process.Start("qemu-io", ["-f", "qcow2", "-c", command, Driver.Layer(host, $"{vmId}-disk")!.File]);
        await io.WaitForExitAsync();
        return io.ExitCode == 0;
    }

    public string Console(string host, string vmId) =>
        File.Exists(Driver.Paths.Console(host, vmId)) ? File.ReadAllText(Driver.Paths.Console(host, vmId)) : "";

    /// <summary>The guest lines the VM's console shows, without the prefix the test guest gives them.</summary>
    public IReadOnlyList<string> GuestLines(string host, string vmId) =>
        Console(host, vmId).Split('\n').Where(l => l.StartsWith("cc-guest: ")).Select(l => l["cc-guest: ".Length..].TrimEnd('\r')).ToList();

    public int Boots(string host, string vmId) => GuestLines(host, vmId).Count(l => l == "booted");

    /// <summary>The hostname the guest last received on its channel, or null.</summary>
    public string? ReceivedHostname(string host, string vmId) =>
        GuestLines(host, vmId).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)?["data"]?["hostname"]?.GetValue<string>()).LastOrDefault(h => h is not null);

    /// <summary>Waits (TCG is slow) for the guest's console to satisfy a condition.</summary>
    public async Task WaitForAsync(string host, string vmId, Func<IReadOnlyList<string>, bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition(GuestLines(host, vmId)))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"VM {vmId} on {host}: {what} not seen in {seconds} s; console:\n{Console(host, vmId)}");
            // Short, because the load tool times forks (a few hundred ms) by this wait.
            await Task.Delay(5);
        }
    }

    public Task WaitForBootAsync(string host, string vmId, int boots = 1) =>
        WaitForAsync(host, vmId, lines => lines.Count(l => l == "booted") >= boots, $"boot #{boots}");

    public Task WaitForHostnameAsync(string host, string vmId, string hostname, int seconds = 60) =>
        WaitForAsync(host, vmId, lines => lines.Any(l => l.Contains($"\"hostname\":\"{hostname}\"")), $"hostname {hostname}", seconds);

    public static GuestData Identity(long generation, string hostname) =>
        GuestData.Of(generation, [new("hostname", hostname), new("ip", "10.0.0." + (hostname.Length + generation))]);

    public async ValueTask DisposeAsync()
    {
        await Driver.KillAllAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
