using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;

namespace CloudController.HostAgent.Tests;

/// <summary>cc-hostd restarted on a QEMU machine: its guests keep running and it finds them again.</summary>
public sealed class AgentRestartTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();
    private readonly string _runtime = Path.Combine(Path.GetTempPath(), "cc-hd-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _agents.DisposeAsync();
        if (Directory.Exists(_runtime)) Directory.Delete(_runtime, recursive: true);
    }

    [Fact]
    public async Task An_agent_started_again_reattaches_its_running_guest_the_same_process_without_a_boot()
    {
        await TinyGuest.BuildAsync(Path.Combine(_agents.StateDirOf("hv-q"), "images"));
        var (_, first) = await _agents.StartAsync("hv-q", settings:
            ["cloudcontroller.driver.kind=qemu", "cloudcontroller.driver.qemu.accelerator=tcg", $"cloudcontroller.driver.qemu.runtime-directory={_runtime}"]);
        using var driver = new AgentDriver(_agents.Directory());
        var ct = CancellationToken.None;
        // Without QEMU host settings the machine is one host, named as the agent.
        Assert.Equal(["hv-q"], (await driver.DiscoverHostsAsync(ct)).Select(h => h.HostId));
        await driver.EnsureBaseLayerAsync("hv-q", new BaseLayerSpec("base-tiny", TinyGuest.Image, 1), ct);
        await driver.CreateDiskLayerAsync("hv-q", new DiskLayerSpec("g1-disk", "base-tiny", 1), ct);
        await driver.RegisterVmAsync("hv-q", new VmDefinition("g1", "g1.test", new Resources(1, 128, 1), "g1-disk"), ct);
        await driver.PowerOnAsync("hv-q", "g1", ct);
        var qemu = (QemuDriver)first.Driver;
        string Console() => File.Exists(qemu.Paths.Console("hv-q", "g1")) ? File.ReadAllText(qemu.Paths.Console("hv-q", "g1")) : "";
        int Boots() => Console().Split('\n').Count(l => l.TrimEnd('\r') == "cc-guest: booted");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Boots() == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(Boots() == 1, $"the guest did not boot; console:\n{Console()}");
        var pid = qemu.ProcessId("hv-q", "g1");
        Assert.NotNull(pid);

        await first.DisposeAsync();
        Assert.False(System.Diagnostics.Process.GetProcessById(pid.Value).HasExited);

        var again = await _agents.RestartAsync("hv-q");
        // The node's driver keeps its link: the agent answers again at the same address, with the guest as it was.
        var vm = await driver.GetVmAsync("hv-q", "g1", ct);
        Assert.Equal(VmPowerState.Running, vm?.PowerState);
        // Driving it attaches to the same QEMU process (its pidfile and QMP socket); the guest has not booted again.
        await driver.SetGuestDataAsync("hv-q", "g1", GuestData.Of(2, [new("hostname", "g1-again")]), ct);
        Assert.Equal(pid, ((QemuDriver)again.Driver).ProcessId("hv-q", "g1"));
        // The re-attached guest gets its new data on its channel at once.
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Console().Contains("\"hostname\":\"g1-again\"") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(Console().Contains("\"hostname\":\"g1-again\""), $"the re-attached guest did not receive its data; console:\n{Console()}");
        Assert.Equal(1, Boots());
    }
}
