using CloudController.Domain;
using CloudController.Hypervisor.Simulated;

namespace CloudController.Hypervisor.Tests;

public class SimulatedForkAndMigrationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SimulatedFleet _fleet = new(new SimulatedFleetOptions { HostCount = 2, HostCapacity = new Resources(16, 32768, 200) });
    private readonly SimulatedDriver _driver;
    private readonly string _host;
    private readonly string _other;

    public SimulatedForkAndMigrationTests()
    {
        _driver = new SimulatedDriver(_fleet);
        _host = _fleet.HostIds[0];
        _other = _fleet.HostIds[1];
    }

    private static VmDefinition Vm(string id, long memory = 4096) => new(id, id, new Resources(2, memory, 20), $"{id}-disk");

    private async Task Running(string vmId, string? host = null)
    {
        host ??= _host;
        await _driver.EnsureBaseLayerAsync(host, new BaseLayerSpec("base-ubuntu", "ubuntu", 10), None);
        await _driver.CreateDiskLayerAsync(host, new DiskLayerSpec($"{vmId}-disk", "base-ubuntu", 20), None);
        await _driver.RegisterVmAsync(host, Vm(vmId), None);
        await _driver.PowerOnAsync(host, vmId, None);
    }

    private async Task Template()
    {
        await Running("parent");
        await _driver.CustomizeGuestAsync(_host, "parent", new GuestCustomization("data-disk", Reboots: 2), None);
        await _driver.CustomizeGuestAsync(_host, "parent", new GuestCustomization("data-disk", Reboots: 2), None); // applied once
        await _driver.SuspendAsync(_host, "parent", None);
    }

    private static GuestData Identity(string name) => GuestData.Of(1, [new("hostname", name), new("ip", "10.0.0.1")]);

    [Fact]
    public async Task A_persistent_child_powered_off_boots_from_its_own_disk_next_time_and_a_non_persistent_one_resumes_again()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("keeper"), new ForkOptions(Persistent: true, Data: Identity("keeper")), None);
        await _driver.ForkAsync(_host, "parent", Vm("scratch"), new ForkOptions(Persistent: false, Data: Identity("scratch")), None);
        foreach (var child in new[] { "keeper", "scratch" })
        {
            await _driver.PowerOffAsync(_host, child, None);
            await _driver.PowerOnAsync(_host, child, None);
        }

        var host = _fleet.Inspect(_host);
        Assert.Equal(1, host.VmsById["keeper"].Boots);
        Assert.Equal(0, host.VmsById["scratch"].Boots);
        // Booted, the persistent child holds all of its memory, no longer only what it wrote since the fork.
        Assert.True(host.InUse.MemoryMib >= 4096 + 4096, $"in use {host.InUse.MemoryMib} MiB");
    }

    [Fact]
    public async Task Reboot_prone_customizations_reboot_the_parent_and_children_inherit_them_without_booting()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("child-1"), new ForkOptions(Data: Identity("child-1")), None);
        await _driver.ForkAsync(_host, "parent", Vm("child-2"), new ForkOptions(PowerOn: false, Data: Identity("child-2")), None);
        await _driver.PowerOnAsync(_host, "child-2", None);

        var state = _fleet.Inspect(_host);
        Assert.Equal(3, state.VmsById["parent"].Boots); // its first boot and the customization's two reboots
        foreach (var child in new[] { "child-1", "child-2" })
        {
            var vm = state.VmsById[child];
            Assert.Equal(0, vm.Boots);
            Assert.Equal(VmPowerState.Running, vm.PowerState);
            Assert.Contains("data-disk", vm.Customizations);
            Assert.Equal(child, vm.Data!.Values["hostname"]);
        }
    }

    [Fact]
    public async Task A_non_persistent_child_drops_its_writes_on_power_off_and_a_persistent_one_keeps_them()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("scratch"), new ForkOptions(), None);
        await _driver.ForkAsync(_host, "parent", Vm("keeper"), new ForkOptions(Persistent: true), None);
        _fleet.Write(_host, "scratch", 6);
        _fleet.Write(_host, "keeper", 6);

        await _driver.PowerOffAsync(_host, "scratch", None);
        await _driver.PowerOffAsync(_host, "keeper", None);

        Assert.Equal(_fleet.Options.CopyOnWriteInitialGib, _fleet.Inspect(_host).Disks.Layers["scratch-disk"].AllocatedGib);
        Assert.Equal(7, _fleet.Inspect(_host).Disks.Layers["keeper-disk"].AllocatedGib);
    }

    [Fact]
    public async Task A_promoted_child_owns_its_memory_and_disk_and_no_longer_holds_its_parent()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("child"), new ForkOptions(), None);
        Assert.Equal(4096 + _fleet.Options.ForkedChildPrivateMemoryMib, _fleet.Inspect(_host).InUse.MemoryMib);

        await _driver.PromoteAsync(_host, "child", None);
        await _driver.PromoteAsync(_host, "child", None);

        var state = _fleet.Inspect(_host);
        Assert.Null(state.VmsById["child"].ForkedFrom);
        Assert.Equal(["child-disk", "base-ubuntu"], state.Disks.Chain("child-disk").Select(l => l.LayerId));
        Assert.Equal(4096, state.InUse.MemoryMib); // the child's own full copy; the suspended parent holds none
        Assert.False(state.HasChildren("parent"));
        await _driver.ResumeAsync(_host, "parent", None); // free again
    }

    [Fact]
    public async Task A_child_refreshes_back_to_its_checkpoint()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("child"), new ForkOptions(Persistent: true), None);
        _fleet.Write(_host, "child", 2);
        await _driver.CheckpointAsync(_host, "child", "clean", None);
        _fleet.Write(_host, "child", 6);

        await _driver.RefreshAsync(_host, "child", "clean", None);

        var vm = _fleet.Inspect(_host).VmsById["child"];
        Assert.Equal(3, _fleet.Inspect(_host).Disks.Layers["child-disk"].AllocatedGib);
        Assert.Equal(VmPowerState.PoweredOff, vm.PowerState);
        await Assert.ThrowsAsync<HypervisorException>(() => _driver.RefreshAsync(_host, "child", "missing", None));
    }

    [Fact]
    public async Task Guest_data_only_moves_forward_in_generation()
    {
        await Running("vm");
        await _driver.SetGuestDataAsync(_host, "vm", GuestData.Of(2, [new("hostname", "new")]), None);
        await _driver.SetGuestDataAsync(_host, "vm", GuestData.Of(1, [new("hostname", "old")]), None);
        Assert.Equal("new", _fleet.Inspect(_host).VmsById["vm"].Data!.Values["hostname"]);
        Assert.DoesNotContain("new", GuestData.Of(2, [new("password", "new")]).ToString());
    }

    [Fact]
    public async Task A_migration_prepares_the_target_switches_over_and_completes_on_the_source()
    {
        await Running("vm");
        var plan = new MigrationPlan("m-1", "vm", _host, _other, Live: true);

        await _driver.PrepareMigrationAsync(plan, None);
        await _driver.PrepareMigrationAsync(plan, None);
        Assert.Equal(VmPowerState.Running, _fleet.Inspect(_host).VmsById["vm"].PowerState);
        await _driver.SwitchOverAsync(plan, None);
        await _driver.SwitchOverAsync(plan, None);
        await _driver.CompleteMigrationAsync(plan, None);
        await _driver.CompleteMigrationAsync(plan, None);

        Assert.False(_fleet.Inspect(_host).VmsById.ContainsKey("vm"));
        Assert.False(_fleet.Inspect(_host).Disks.Layers.ContainsKey("vm-disk"));
        var arrived = _fleet.Inspect(_other).VmsById["vm"];
        Assert.Equal(VmPowerState.Running, arrived.PowerState);
        Assert.Equal(1, arrived.Boots); // moved live: no boot on the target
        await Assert.ThrowsAsync<HypervisorException>(() => _driver.CancelMigrationAsync(plan, None));
    }

    [Theory]
    [InlineData(DriverOperation.PrepareMigration)]
    [InlineData(DriverOperation.SwitchOver)]
    public async Task A_fault_or_a_cancel_before_switch_over_leaves_the_source_running_and_the_target_clean(DriverOperation faulty)
    {
        await Running("vm");
        var before = _fleet.Fingerprint(includeBaseLayers: false);
        var plan = new MigrationPlan("m-1", "vm", _host, _other, Live: true);
        _fleet.Faults.Inject(new SimulatedFault(faulty));

        try
        {
            await _driver.PrepareMigrationAsync(plan, None);
            await _driver.SwitchOverAsync(plan, None);
            Assert.Fail("the injected fault should have failed the migration");
        }
        catch (HypervisorException e)
        {
            Assert.Equal(faulty, e.Operation);
        }
        await _driver.CancelMigrationAsync(plan, None);

        Assert.Equal(before, _fleet.Fingerprint(includeBaseLayers: false)); // the target may keep the base image cached
        Assert.Equal(VmPowerState.Running, _fleet.Inspect(_host).VmsById["vm"].PowerState);
        Assert.Empty(_fleet.Inspect(_other).Vms);
    }

    [Fact]
    public async Task A_forked_child_must_be_promoted_and_a_parent_with_children_cannot_move()
    {
        await Template();
        await _driver.ForkAsync(_host, "parent", Vm("child"), new ForkOptions(), None);
        var child = await Assert.ThrowsAsync<HypervisorException>(() => _driver.PrepareMigrationAsync(new MigrationPlan("m", "child", _host, _other, true), None));
        Assert.Contains("promote it first", child.Message);
        var parent = await Assert.ThrowsAsync<HypervisorException>(() => _driver.PrepareMigrationAsync(new MigrationPlan("m", "parent", _host, _other, true), None));
        Assert.Contains("forked children", parent.Message);
    }

    [Fact]
    public async Task A_crashed_host_answers_nothing_until_restored()
    {
        await Running("vm");
        _fleet.Crash(_host);
        var error = await Assert.ThrowsAsync<HypervisorException>(() => _driver.QueryHostStatusAsync(_host, None));
        Assert.Contains("does not answer", error.Message);
        _fleet.Restore(_host);
        Assert.True((await _driver.QueryHostStatusAsync(_host, None)).Reachable);
    }
}
