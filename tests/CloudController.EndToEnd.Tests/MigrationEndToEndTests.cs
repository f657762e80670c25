using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Migration between hosts as a task: switch-over or rollback, evacuation and rebalancing.</summary>
public class MigrationEndToEndTests(ITestOutputHelper output)
{
    private static async Task<RunningNode> StartAsync(ITestOutputHelper output, int hosts = 3, params string[] settings)
    {
        var node = await RunningNode.StartAsync(output, [$"cloudcontroller.driver.simulated.hosts={hosts}", .. settings]);
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(hosts);
        return node;
    }

    private static async Task<Vm> ProvisionAsync(RunningNode node, string hostname)
    {
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = hostname });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        return await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
    }

    /// <summary>Evacuation and rebalancing read the VM listing, which follows the journal a moment behind.</summary>
    private static Task ListedRunningAsync(RunningNode node, string hostId, int count) =>
        Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest { HostId = hostId })).Vms.Count(v => v.State == "Running") == count,
            $"{count} running VMs listed on {hostId}");

    private static async Task<string> LedgersAsync(RunningNode node) => string.Join(";",
        (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Select(h => $"{h.Id}:{h.Reserved}/{h.Allocated}/{h.VmCount}/{h.ReservationCount}"));

    [Fact]
    public async Task A_running_VM_moves_live_to_the_named_host_and_its_capacity_moves_with_it()
    {
        await using var node = await StartAsync(output);
        var vm = await ProvisionAsync(node, "db-1");
        var target = node.Fleet.HostIds.First(h => h != vm.HostId);

        var started = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vm.Id, TargetHostId = target });
        var history = await node.WatchToEndAsync(started.TaskId);

        Assert.Equal(TaskState.Succeeded, history[^1].State);
        Assert.Equal("Migrate", history[^1].Kind);
        var moved = await node.Vms.GetVmAsync(new GetVmRequest { Id = vm.Id });
        Assert.Equal(target, moved.HostId);
        Assert.Equal("Running", moved.State);
        Assert.False(node.Fleet.Inspect(vm.HostId).VmsById.ContainsKey(vm.Id));
        var there = node.Fleet.Inspect(target).VmsById[vm.Id];
        Assert.Equal(VmPowerState.Running, there.PowerState);
        Assert.Equal(1, there.Boots); // moved live, not rebooted
        await Eventually.True(async () =>
        {
            var hosts = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.ToDictionary(h => h.Id);
            return hosts[vm.HostId].Allocated.MemoryMib == 0 && hosts[target].Allocated.MemoryMib == vm.Hardware.MemoryMib &&
                   hosts.Values.All(h => h.ReservationCount == 0);
        }, "the allocation moved from source to target");
    }

    [Theory]
    [InlineData(DriverOperation.PrepareMigration, "PreparingTarget")]
    public async Task An_abort_before_the_switch_over_leaves_the_VM_running_where_it_was_and_the_target_clean(DriverOperation hung, string stage)
    {
        await using var node = await StartAsync(output);
        var vm = await ProvisionAsync(node, "db-1");
        var fleetBefore = node.Fleet.Fingerprint(includeBaseLayers: false);
        var ledgersBefore = await LedgersAsync(node);

        node.Fleet.Faults.Inject(new SimulatedFault(hung, Kind: SimulatedFaultKind.HangUntilCancelled));
        var started = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vm.Id });
        await node.WaitForStageAsync(started.TaskId, stage);
        Assert.Equal("Migrating", (await node.Vms.GetVmAsync(new GetVmRequest { Id = vm.Id })).State);
        await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = started.TaskId, Reason = "not now" });

        Assert.Equal(TaskState.Aborted, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        Assert.Equal(fleetBefore, node.Fleet.Fingerprint(includeBaseLayers: false));
        var back = await node.Vms.GetVmAsync(new GetVmRequest { Id = vm.Id });
        Assert.Equal(("Running", vm.HostId), (back.State, back.HostId));
        await Eventually.True(async () => await LedgersAsync(node) == ledgersBefore, "ledgers as before");
    }

    [Theory]
    [InlineData(DriverOperation.PrepareMigration)]
    [InlineData(DriverOperation.SwitchOver)]
    public async Task A_fault_on_either_host_before_the_switch_over_rolls_the_migration_back(DriverOperation faulty)
    {
        await using var node = await StartAsync(output);
        var vm = await ProvisionAsync(node, "db-1");
        var fleetBefore = node.Fleet.Fingerprint(includeBaseLayers: false);
        var ledgersBefore = await LedgersAsync(node);

        node.Fleet.Faults.Inject(new SimulatedFault(faulty));
        var started = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vm.Id });
        var end = (await node.WatchToEndAsync(started.TaskId))[^1];

        Assert.Equal(TaskState.Failed, end.State);
        Assert.Contains("injected fault", end.Error);
        Assert.Equal(fleetBefore, node.Fleet.Fingerprint(includeBaseLayers: false));
        Assert.Equal(VmPowerState.Running, node.Fleet.Inspect(vm.HostId).VmsById[vm.Id].PowerState);
        Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = vm.Id })).State);
        await Eventually.True(async () => await LedgersAsync(node) == ledgersBefore, "ledgers as before");
    }

    [Fact]
    public async Task Once_switching_over_a_migration_cannot_be_aborted_and_steps_after_it_retry_until_done()
    {
        await using var node = await StartAsync(output, 3, "cloudcontroller.driver.simulated.latency.switch-over=1500ms",
            "cloudcontroller.provisioning.retry-backoff-min=50ms");
        var vm = await ProvisionAsync(node, "db-1");
        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.CompleteMigration, Times: 2));
        var started = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vm.Id });
        await node.WaitForStageAsync(started.TaskId, "SwitchingOver");

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = started.TaskId }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("can no longer be aborted", refused.Status.Detail);

        var history = await node.WatchToEndAsync(started.TaskId);
        Assert.Equal(TaskState.Succeeded, history[^1].State);
        Assert.Equal(2, history[^1].History.Count(h => h.Message.StartsWith("CompletingMigration failed")));
        Assert.Empty(node.Fleet.Inspect(vm.HostId).Vms);
    }

    [Fact]
    public async Task Evacuating_a_host_moves_its_VMs_away_and_takes_it_out_of_placement()
    {
        await using var node = await StartAsync(output, hosts: 2);
        var source = node.Fleet.HostIds[0];
        await node.Hosts.SetHostStateAsync(new SetHostStateRequest { Id = node.Fleet.HostIds[1], State = "maintenance" });
        var vms = new List<Vm>();
        for (var i = 0; i < 3; i++) vms.Add(await ProvisionAsync(node, $"app-{i}"));
        Assert.All(vms, v => Assert.Equal(source, v.HostId));
        await node.Hosts.SetHostStateAsync(new SetHostStateRequest { Id = node.Fleet.HostIds[1], State = "active" });
        await ListedRunningAsync(node, source, 3);

        var evacuation = await node.Hosts.EvacuateHostAsync(new EvacuateHostRequest { Id = source });
        Assert.Equal(3, evacuation.Migrations.Count);
        foreach (var m in evacuation.Migrations) Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(m.TaskId))[^1].State);

        Assert.Empty(node.Fleet.Inspect(source).Vms);
        Assert.Equal("Draining", (await node.Hosts.GetHostAsync(new GetHostRequest { Id = source })).State);
        var late = await ProvisionAsync(node, "late");
        Assert.NotEqual(source, late.HostId);
    }

    [Fact]
    public async Task Rebalancing_moves_VMs_off_a_host_over_its_threshold_and_no_further()
    {
        await using var node = await StartAsync(output, hosts: 2);
        var hot = node.Fleet.HostIds[0];
        var cool = node.Fleet.HostIds[1];
        await node.Hosts.SetHostStateAsync(new SetHostStateRequest { Id = cool, State = "maintenance" });
        for (var i = 0; i < 4; i++) await ProvisionAsync(node, $"app-{i}");
        await node.Hosts.SetHostStateAsync(new SetHostStateRequest { Id = cool, State = "active" });
        await ListedRunningAsync(node, hot, 4);

        // 4 x 4096 MiB of 131072 is 12.5%, over a 7% threshold: two VMs move (6.25% each side); a third would
        // put the other host over.
        var plan = await node.Hosts.RebalanceAsync(new RebalanceRequest { MemoryThreshold = 0.07, DryRun = true });
        Assert.Equal(2, plan.Migrations.Count);
        Assert.All(plan.Migrations, m => Assert.Equal((hot, cool, ""), (m.FromHostId, m.ToHostId, m.TaskId)));
        Assert.Contains("over 7", plan.Migrations[0].Reason);
        Assert.Equal(4, node.Fleet.Inspect(hot).Vms.Count()); // a dry run moves nothing

        var done = await node.Hosts.RebalanceAsync(new RebalanceRequest { MemoryThreshold = 0.07 });
        foreach (var m in done.Migrations) Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(m.TaskId))[^1].State);
        Assert.Equal(2, node.Fleet.Inspect(hot).Vms.Count());
        Assert.Equal(2, node.Fleet.Inspect(cool).Vms.Count());

        var bad = await Assert.ThrowsAsync<RpcException>(async () => await node.Hosts.RebalanceAsync(new RebalanceRequest { MemoryThreshold = 1.5 }));
        Assert.Contains("memoryThreshold", bad.Status.Detail);
    }
}
