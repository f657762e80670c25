using CloudController.Domain;
using CloudController.Hypervisor.Simulated;

namespace CloudController.Hypervisor.Tests;

public class SimulatedDriverTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SimulatedFleet _fleet = new(new SimulatedFleetOptions { HostCount = 2, HostCapacity = new Resources(8, 16384, 100) });
    private readonly SimulatedDriver _driver;
    private readonly string _host;

    public SimulatedDriverTests()
    {
        _driver = new SimulatedDriver(_fleet);
        _host = _fleet.HostIds[0];
    }

    private static VmDefinition Vm(string id, long memory = 4096, int cores = 2) => new(id, id, new Resources(cores, memory, 20), $"{id}-disk");

    private async Task CloneAndRegister(string vmId, long memory = 4096, int cores = 2)
    {
        await _driver.EnsureBaseLayerAsync(_host, new BaseLayerSpec("base-ubuntu", "ubuntu", 10), None);
        await _driver.CreateDiskLayerAsync(_host, new DiskLayerSpec($"{vmId}-disk", "base-ubuntu", 20), None);
        await _driver.RegisterVmAsync(_host, Vm(vmId, memory, cores), None);
    }

    [Fact]
    public async Task Discovers_its_hosts_with_padded_ids_alternating_classes_and_flags()
    {
        var hosts = await _driver.DiscoverHostsAsync(None);
        Assert.Equal(["sim-host-01", "sim-host-02"], hosts.Select(h => h.HostId));
        Assert.Equal(["general", "compute"], hosts.Select(h => h.HardwareClass));
        Assert.DoesNotContain("avx2", hosts[0].CpuFlags);
        Assert.Contains("avx2", hosts[1].CpuFlags);
    }

    [Fact]
    public async Task Conflicting_definitions_and_illegal_transitions_are_refused_with_the_reason()
    {
        await CloneAndRegister("vm-1");
        await _driver.PowerOnAsync(_host, "vm-1", None);

        await Refused(() => _driver.RegisterVmAsync(_host, Vm("vm-1", memory: 8192), None), "another definition");
        await Refused(() => _driver.UnregisterVmAsync(_host, "vm-1", None), "power it off first");
        await Refused(() => _driver.DeleteDiskLayerAsync(_host, "vm-1-disk", None), "in use by VM vm-1");
        await Refused(() => _driver.DeleteDiskLayerAsync(_host, "base-ubuntu", None), "parent of other layers");
        await Refused(() => _driver.RegisterVmAsync(_host, Vm("vm-2") with { DiskLayerId = "missing" }, None), "does not exist");
        await Refused(() => _driver.CreateDiskLayerAsync(_host, new DiskLayerSpec("x", "nope", 20), None), "parent layer nope does not exist");
        await Refused(() => _driver.PowerOnAsync(_host, "ghost", None), "no VM ghost");
        await Refused(() => _driver.QueryHostStatusAsync("no-such-host", None), "no such host");

        await _driver.PowerOffAsync(_host, "vm-1", None);
        await Refused(() => _driver.SuspendAsync(_host, "vm-1", None), "only a running VM");
        await Refused(() => _driver.ResumeAsync(_host, "vm-1", None), "no saved state");
    }

    [Fact]
    public async Task A_host_never_runs_more_than_its_memory_and_cores()
    {
        await CloneAndRegister("big-1", memory: 12288);
        await CloneAndRegister("big-2", memory: 12288);
        await _driver.PowerOnAsync(_host, "big-1", None);

        await Refused(() => _driver.PowerOnAsync(_host, "big-2", None), "not enough free memory");
        await _driver.SuspendAsync(_host, "big-1", None);
        await _driver.PowerOnAsync(_host, "big-2", None);
        await Refused(() => _driver.ResumeAsync(_host, "big-1", None), "not enough free memory");
    }

    [Fact]
    public async Task Parallel_power_ons_on_one_host_never_overcommit_it()
    {
        for (var i = 0; i < 12; i++) await CloneAndRegister($"vm-{i}", memory: 2048, cores: 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await _driver.PowerOnAsync(_host, $"vm-{i}", None);
                return true;
            }
            catch (HypervisorException)
            {
                return false;
            }
        }));

        Assert.Equal(8, results.Count(ok => ok)); // 16384 MiB / 2048 MiB
        Assert.True(_fleet.Inspect(_host).Free.MemoryMib >= 0);
    }

    [Theory]
    [InlineData(DriverOperation.EnsureBaseLayer)]
    [InlineData(DriverOperation.CreateDiskLayer)]
    [InlineData(DriverOperation.RegisterVm)]
    [InlineData(DriverOperation.PowerOn)]
    [InlineData(DriverOperation.PowerOff)]
    [InlineData(DriverOperation.Suspend)]
    [InlineData(DriverOperation.Resume)]
    [InlineData(DriverOperation.UnregisterVm)]
    [InlineData(DriverOperation.DeleteDiskLayer)]
    [InlineData(DriverOperation.InstallApp)]
    [InlineData(DriverOperation.CloneSuspended)]
    [InlineData(DriverOperation.Fork)]
    public async Task An_injected_fault_fails_the_call_before_it_changes_anything(DriverOperation operation)
    {
        await CloneAndRegister("vm-1");
        await _driver.PowerOnAsync(_host, "vm-1", None);
        if (operation is DriverOperation.Resume or DriverOperation.CloneSuspended or DriverOperation.Fork) await _driver.SuspendAsync(_host, "vm-1", None);
        if (operation is DriverOperation.UnregisterVm or DriverOperation.DeleteDiskLayer) await _driver.PowerOffAsync(_host, "vm-1", None);
        if (operation == DriverOperation.DeleteDiskLayer) await _driver.UnregisterVmAsync(_host, "vm-1", None);
        var before = _fleet.Fingerprint();

        _fleet.Faults.Inject(new SimulatedFault(operation));
        Func<Task> call = operation switch
        {
            DriverOperation.EnsureBaseLayer => () => _driver.EnsureBaseLayerAsync(_host, new BaseLayerSpec("base-2", "debian", 5), None),
            DriverOperation.CreateDiskLayer => () => _driver.CreateDiskLayerAsync(_host, new DiskLayerSpec("vm-2-disk", "base-ubuntu", 20), None),
            DriverOperation.RegisterVm => () => _driver.RegisterVmAsync(_host, Vm("vm-1"), None),
            DriverOperation.PowerOn => () => _driver.PowerOnAsync(_host, "vm-1", None),
            DriverOperation.PowerOff => () => _driver.PowerOffAsync(_host, "vm-1", None),
            DriverOperation.Suspend => () => _driver.SuspendAsync(_host, "vm-1", None),
            DriverOperation.Resume => () => _driver.ResumeAsync(_host, "vm-1", None),
            DriverOperation.UnregisterVm => () => _driver.UnregisterVmAsync(_host, "vm-1", None),
            DriverOperation.Fork => () => _driver.ForkAsync(_host, "vm-1", Vm("vm-8"), new ForkOptions(), None),
            DriverOperation.CloneSuspended => () => _driver.CloneSuspendedAsync(_host, "vm-1", _fleet.HostIds[1], Vm("vm-9"), None),
            DriverOperation.InstallApp => () => _driver.InstallAppAsync(_host, "vm-1", new GuestAppInstall("nginx", "nginx.answers", "port=80"), None),
            _ => () => _driver.DeleteDiskLayerAsync(_host, "vm-1-disk", None),
        };

        var error = await Assert.ThrowsAsync<HypervisorException>(call);
        Assert.Equal(operation, error.Operation);
        Assert.Contains("injected fault", error.Message);
        Assert.Equal(before, _fleet.Fingerprint());

        await call(); // the fault fired once; the same call now goes through
    }

    [Fact]
    public async Task Apps_install_once_and_only_in_a_running_guest()
    {
        await CloneAndRegister("vm-1");
        await Refused(() => _driver.InstallAppAsync(_host, "vm-1", new GuestAppInstall("nginx", null, null), None), "apps install in a running guest");
        await _driver.PowerOnAsync(_host, "vm-1", None);
        await _driver.InstallAppAsync(_host, "vm-1", new GuestAppInstall("nginx", "nginx.answers", "port=80"), None);
        await _driver.InstallAppAsync(_host, "vm-1", new GuestAppInstall("nginx", "nginx.answers", "port=81"), None);
        Assert.Equal("port=80", _fleet.Inspect(_host).VmsById["vm-1"].InstalledApps["nginx"]);
    }

    [Fact]
    public async Task A_suspended_VM_copies_to_another_host_with_its_base_its_layer_and_its_apps()
    {
        await CloneAndRegister("golden");
        await _driver.PowerOnAsync(_host, "golden", None);
        await _driver.InstallAppAsync(_host, "golden", new GuestAppInstall("nginx", null, "port=80"), None);
        var target = _fleet.HostIds[1];
        var copy = Vm("copy-1");

        await Refused(() => _driver.CloneSuspendedAsync(_host, "golden", target, copy, None), "only a suspended VM");
        await _driver.SuspendAsync(_host, "golden", None);
        await _driver.CloneSuspendedAsync(_host, "golden", target, copy, None);
        await _driver.CloneSuspendedAsync(_host, "golden", target, copy, None);

        var onTarget = _fleet.Inspect(target);
        Assert.Equal(VmPowerState.Suspended, onTarget.VmsById["copy-1"].PowerState);
        Assert.Equal(["copy-1-disk", "base-ubuntu"], onTarget.Disks.Chain("copy-1-disk").Select(l => l.LayerId));
        Assert.Equal("port=80", onTarget.VmsById["copy-1"].InstalledApps["nginx"]);
        await _driver.ResumeAsync(target, "copy-1", None);
        Assert.Equal(VmPowerState.Suspended, _fleet.Inspect(_host).VmsById["golden"].PowerState);
    }

    [Fact]
    public async Task Children_forked_from_a_suspended_parent_run_without_booting_and_share_its_memory()
    {
        await CloneAndRegister("parent", memory: 4096);
        await _driver.PowerOnAsync(_host, "parent", None);
        await _driver.InstallAppAsync(_host, "parent", new GuestAppInstall("nginx", null, null), None);
        await Refused(() => _driver.ForkAsync(_host, "parent", Vm("child-x", memory: 4096), new ForkOptions(), None), "quiesce it");
        await _driver.SuspendAsync(_host, "parent", None);

        for (var i = 0; i < 3; i++) await _driver.ForkAsync(_host, "parent", Vm($"child-{i}", memory: 4096) with { DiskLayerId = $"child-{i}-disk" }, new ForkOptions(), None);
        await _driver.ForkAsync(_host, "parent", Vm("child-0", memory: 4096) with { DiskLayerId = "child-0-disk" }, new ForkOptions(), None); // repeated: no-op

        var state = _fleet.Inspect(_host);
        var children = state.Vms.Where(v => v.ForkedFrom == "parent").ToList();
        Assert.Equal(3, children.Count);
        Assert.All(children, c =>
        {
            Assert.Equal(VmPowerState.Running, c.PowerState);
            Assert.Equal(0, c.Boots);
            Assert.Contains("nginx", c.InstalledApps.Keys);
            Assert.Equal(["child-" + c.VmId[^1] + "-disk", "parent-disk", "base-ubuntu"], state.Disks.Chain(c.Definition.DiskLayerId).Select(l => l.LayerId));
        });
        Assert.Equal(1, state.VmsById["parent"].Boots);
        // The parent's 4096 MiB once, plus what each child wrote of its own: not four full copies.
        Assert.Equal(4096 + 3 * 64, state.InUse.MemoryMib);
    }

    [Fact]
    public async Task A_fault_can_target_one_host_or_VM_and_fire_several_times()
    {
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.EnsureBaseLayer, HostId: _fleet.HostIds[1], Times: 2));
        await _driver.EnsureBaseLayerAsync(_host, new BaseLayerSpec("b", "i", 1), None);
        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAsync<HypervisorException>(() => _driver.EnsureBaseLayerAsync(_fleet.HostIds[1], new BaseLayerSpec("b", "i", 1), None));
        await _driver.EnsureBaseLayerAsync(_fleet.HostIds[1], new BaseLayerSpec("b", "i", 1), None);
    }

    [Fact]
    public async Task A_hanging_fault_waits_until_cancelled_and_leaves_no_trace()
    {
        await CloneAndRegister("vm-1");
        var before = _fleet.Fingerprint();
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        using var cts = new CancellationTokenSource();

        var call = _driver.PowerOnAsync(_host, "vm-1", cts.Token);
        await Task.Delay(100);
        Assert.False(call.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(before, _fleet.Fingerprint());
    }

    [Fact]
    public async Task Latency_delays_an_operation_and_cancelling_it_leaves_no_trace()
    {
        var slow = new SimulatedFleet(new SimulatedFleetOptions
        {
            HostCount = 1,
            Latency = new Dictionary<DriverOperation, TimeSpan> { [DriverOperation.EnsureBaseLayer] = TimeSpan.FromMilliseconds(200) },
        });
        var driver = new SimulatedDriver(slow);
        var host = slow.HostIds[0];

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await driver.EnsureBaseLayerAsync(host, new BaseLayerSpec("b", "i", 1), None);
        Assert.True(watch.ElapsedMilliseconds >= 150, $"took {watch.ElapsedMilliseconds} ms");

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => driver.EnsureBaseLayerAsync(host, new BaseLayerSpec("c", "i", 1), cts.Token));
        Assert.DoesNotContain("c", slow.Inspect(host).Disks.Layers.Keys);
    }

    [Fact]
    public async Task Host_status_reports_what_running_VMs_take()
    {
        await CloneAndRegister("vm-1", memory: 4096, cores: 2);
        await _driver.PowerOnAsync(_host, "vm-1", None);

        var status = await _driver.QueryHostStatusAsync(_host, None);

        Assert.True(status.Reachable);
        Assert.Equal(16384 - 4096, status.FreeMemoryMib);
        Assert.Equal(100 - 10 - 1, status.FreeDiskGib); // base 10 GiB + copy-on-write layer's initial 1 GiB
        Assert.Equal(0.25, status.CpuLoad);
        Assert.Equal(1, status.RunningVms);
        Assert.True(_fleet.OperationCounts[DriverOperation.PowerOn] >= 1);
    }

    [Theory]
    [InlineData("create-disk-layer", DriverOperation.CreateDiskLayer)]
    [InlineData("power-on", DriverOperation.PowerOn)]
    [InlineData("QueryHostStatus", DriverOperation.QueryHostStatus)]
    public void Operation_names_from_configuration_parse(string name, DriverOperation expected)
    {
        Assert.Equal(expected, DriverOperationNames.Parse(name));
        Assert.Equal(expected, DriverOperationNames.Parse(DriverOperationNames.ToName(expected)));
    }

    [Fact]
    public void An_unknown_operation_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => DriverOperationNames.Parse("explode"));
        Assert.Contains("create-disk-layer", error.Message);
    }

    private static async Task Refused(Func<Task> call, string reason)
    {
        var error = await Assert.ThrowsAsync<HypervisorException>(call);
        Assert.Contains(reason, error.Message);
    }
}
