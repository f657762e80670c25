using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Simulated;

namespace CloudController.HostAgent.Tests;

/// <summary>The controller's driver over several host agents: each operation reaches the agent of its host.</summary>
public sealed class AgentDriverTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _agents.DisposeAsync();

    [Fact]
    public async Task Operations_go_to_the_agent_of_their_host_results_and_refusals_cross_as_they_are_and_a_silent_agent_is_a_failed_operation()
    {
        var (_, serverA) = await _agents.StartAsync("hv-a");
        await _agents.StartAsync("hv-b");
        using var driver = new AgentDriver(_agents.Directory());
        var ct = CancellationToken.None;

        Assert.Equal(DriverCapabilities.None, driver.Capabilities);
        Assert.Equal(["hv-a-01", "hv-a-02", "hv-b-01", "hv-b-02"], (await driver.DiscoverHostsAsync(ct)).Select(h => h.HostId).Order());
        Assert.True(driver.Capabilities.HasFlag(DriverCapabilities.Fork));
        Assert.True((await driver.QueryHostStatusAsync("hv-b-02", ct)).Reachable);

        await driver.EnsureBaseLayerAsync("hv-b-01", new BaseLayerSpec("base", "ubuntu-24.04-server", 20), ct);
        await driver.CreateDiskLayerAsync("hv-b-01", new DiskLayerSpec("web-1-disk", "base", 20), ct);
        await driver.RegisterVmAsync("hv-b-01", new VmDefinition("web-1", "web-1", new Resources(1, 1024, 20), "web-1-disk"), ct);
        await driver.PowerOnAsync("hv-b-01", "web-1", ct);
        await driver.SetGuestDataAsync("hv-b-01", "web-1", GuestData.Of(1, [new("hostname", "web-1")]), ct);
        var vm = await driver.GetVmAsync("hv-b-01", "web-1", ct);
        Assert.Equal((VmPowerState.Running, 1024L), (vm!.PowerState, vm.Definition.Hardware.MemoryMib));
        Assert.Null(await driver.GetVmAsync("hv-b-01", "nope", ct));
        // It ran on agent b's machine, not a's.
        Assert.Null(await serverA.Driver.GetVmAsync("hv-a-01", "web-1", ct));

        var refused = await Assert.ThrowsAsync<HypervisorException>(() => driver.PowerOnAsync("hv-b-02", "web-1", ct));
        Assert.Equal((DriverOperation.PowerOn, "hv-b-02"), (refused.Operation, refused.HostId));
        Assert.DoesNotContain("failed: PowerOn", refused.Message);

        var unknown = await Assert.ThrowsAsync<HypervisorException>(() => driver.PowerOnAsync("hv-c-01", "web-1", ct));
        Assert.Contains("no host agent serves this host", unknown.Message);

        await serverA.DisposeAsync();
        var silent = await Assert.ThrowsAsync<HypervisorException>(() => driver.QueryHostStatusAsync("hv-a-01", ct));
        Assert.Contains("did not answer", silent.Message);
        // The other agent's hosts are still found and driven.
        Assert.Equal(["hv-b-01", "hv-b-02"], (await driver.DiscoverHostsAsync(ct)).Select(h => h.HostId).Order());
    }

    [Fact]
    public async Task A_suspended_vm_is_copied_to_a_host_of_another_agent_and_a_copy_failing_there_leaves_nothing_behind()
    {
        var (_, serverA) = await _agents.StartAsync("hv-a", hosts: 1);
        var (_, serverB) = await _agents.StartAsync("hv-b", hosts: 1);
        using var driver = new AgentDriver(_agents.Directory());
        var ct = CancellationToken.None;
        await driver.DiscoverHostsAsync(ct);
        await driver.EnsureBaseLayerAsync("hv-b-01", new BaseLayerSpec("base", "ubuntu-24.04-server", 20), ct);
        await driver.CreateDiskLayerAsync("hv-b-01", new DiskLayerSpec("web-1-disk", "base", 20), ct);
        await driver.RegisterVmAsync("hv-b-01", new VmDefinition("web-1", "web-1", new Resources(1, 1024, 20), "web-1-disk"), ct);
        await driver.PowerOnAsync("hv-b-01", "web-1", ct);
        await driver.InstallAppAsync("hv-b-01", "web-1", new GuestAppInstall("nginx", null, null), ct);
        await driver.SuspendAsync("hv-b-01", "web-1", ct);
        var target = ((SimulatedDriver)serverA.Driver).Fleet;

        target.Faults.Inject(new SimulatedFault(DriverOperation.AcceptCopy));
        var failed = await Assert.ThrowsAsync<HypervisorException>(() =>
            driver.CloneSuspendedAsync("hv-b-01", "web-1", "hv-a-01", new VmDefinition("web-3", "web-3", new Resources(1, 1024, 20), "web-3-disk"), ct));
        Assert.Equal((DriverOperation.AcceptCopy, "hv-a-01"), (failed.Operation, failed.HostId));
        Assert.Empty(target.Inspect("hv-a-01").Vms);
        Assert.Empty(target.Inspect("hv-a-01").Disks.Layers);

        await driver.CloneSuspendedAsync("hv-b-01", "web-1", "hv-a-01", new VmDefinition("web-2", "web-2", new Resources(1, 1024, 20), "web-2-disk"), ct);
        var copy = await driver.GetVmAsync("hv-a-01", "web-2", ct);
        Assert.Equal((VmPowerState.Suspended, "web-2-disk"), (copy!.PowerState, copy.Definition.DiskLayerId));
        Assert.Equal(["nginx"], target.Inspect("hv-a-01").VmsById["web-2"].InstalledApps.Keys);
        // The source is left as it was, suspended on its own agent's machine; the copy resumes on the other's.
        Assert.Equal(VmPowerState.Suspended, (await driver.GetVmAsync("hv-b-01", "web-1", ct))!.PowerState);
        await driver.ResumeAsync("hv-a-01", "web-2", ct);
        Assert.Equal(VmPowerState.Running, (await serverA.Driver.GetVmAsync("hv-a-01", "web-2", ct))!.PowerState);
        // The source closed its offer after the failed copy as after the good one.
        Assert.Equal(2, ((SimulatedDriver)serverB.Driver).Fleet.OperationCounts[DriverOperation.EndCopyOffer]);
    }

    [Fact]
    public async Task Two_agents_serving_the_same_host_id_are_refused_naming_both()
    {
        var (a, _) = await _agents.StartAsync("hv-a", 1, ["cloudcontroller.driver.simulated.host-id-prefix=same-"]);
        var (b, _) = await _agents.StartAsync("hv-b", 1, ["cloudcontroller.driver.simulated.host-id-prefix=same-"]);
        using var driver = new AgentDriver(_agents.Directory());

        var refused = await Assert.ThrowsAsync<HypervisorException>(() => driver.DiscoverHostsAsync(CancellationToken.None));
        Assert.Contains("both the agent at", refused.Message);
        Assert.Contains($"{a}", refused.Message);
        Assert.Contains($"{b}", refused.Message);
        Assert.Contains("give each agent's hosts their own ids", refused.Message);
    }

    [Fact]
    public async Task With_no_agent_joined_there_are_no_hosts_and_no_capabilities()
    {
        using var driver = new AgentDriver(new AgentDirectory());
        Assert.Empty(await driver.DiscoverHostsAsync(CancellationToken.None));
        Assert.Equal(DriverCapabilities.None, driver.Capabilities);
    }
}
