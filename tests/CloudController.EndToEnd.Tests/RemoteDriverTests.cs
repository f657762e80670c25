using System.Net;
using System.Net.Sockets;
using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Remote;
using CloudController.Node;

namespace CloudController.EndToEnd.Tests;

/// <summary>A fleet served by `CloudController.Node fleet` and driven through the remote driver, as several nodes share it.</summary>
public sealed class RemoteDriverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-fleet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Operations_results_and_refusals_cross_as_they_are_and_a_silent_fleet_is_a_failed_operation()
    {
        var endpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        using var stop = new CancellationTokenSource();
        var serving = FleetHost.RunAsync(new NodeOptions("embedded", _dir, null,
            [$"cloudcontroller.driver.fleet-endpoint={endpoint}", "cloudcontroller.driver.simulated.hosts=2"]), stop.Token);
        using var driver = RemoteDriver.Connect(endpoint, TimeSpan.FromSeconds(30));
        var ct = CancellationToken.None;

        Assert.True(driver.Capabilities.HasFlag(DriverCapabilities.Fork));
        var hosts = await driver.DiscoverHostsAsync(ct);
        Assert.Equal(["sim-host-01", "sim-host-02"], hosts.Select(h => h.HostId));
        Assert.True((await driver.QueryHostStatusAsync("sim-host-01", ct)).Reachable);

        await driver.EnsureBaseLayerAsync("sim-host-01", new BaseLayerSpec("base", "ubuntu-24.04-server", 20), ct);
        await driver.CreateDiskLayerAsync("sim-host-01", new DiskLayerSpec("web-1-disk", "base", 20), ct);
        await driver.RegisterVmAsync("sim-host-01", new VmDefinition("web-1", "web-1", new Resources(1, 1024, 20), "web-1-disk"), ct);
        await driver.PowerOnAsync("sim-host-01", "web-1", ct);
        await driver.SetGuestDataAsync("sim-host-01", "web-1", GuestData.Of(1, [new("hostname", "web-1")]), ct);
        var vm = await driver.GetVmAsync("sim-host-01", "web-1", ct);
        Assert.Equal((VmPowerState.Running, 1024L), (vm!.PowerState, vm.Definition.Hardware.MemoryMib));
        Assert.Null(await driver.GetVmAsync("sim-host-01", "nope", ct));

        var refused = await Assert.ThrowsAsync<HypervisorException>(() => driver.PowerOnAsync("sim-host-02", "web-1", ct));
        Assert.Equal((DriverOperation.PowerOn, "sim-host-02"), (refused.Operation, refused.HostId));

        await stop.CancelAsync();
        await serving;
        var silent = await Assert.ThrowsAsync<HypervisorException>(() => driver.QueryHostStatusAsync("sim-host-01", ct));
        Assert.Contains("did not answer", silent.Message);
    }
}
