using Akka.Actor;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Hosts;
using CloudController.Cluster.Vms;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Domain.Vms;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.Hosts.HostProtocol;

namespace CloudController.Cluster.Tests;

/// <summary>A host acting on drift that lasts: unknown VMs destroyed or kept by policy.</summary>
public class HostReconciliationTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly Resources Small = new(1, 512, 10);

    /// <summary>A host answers a command once what it reconciled is journaled: generous, for a loaded machine.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);

    private readonly SimulatedFleet _fleet = new(new SimulatedFleetOptions { HostCount = 1 });

    /// <summary>Answers for the VM records: only <paramref name="recorded"/> exist.</summary>
    private sealed class VmRecords : ReceiveActor
    {
        public VmRecords(IReadOnlySet<string> recorded) => Receive<VmProtocol.GetVm>(get => Sender.Tell(recorded.Contains(get.VmId)
            ? new VmProtocol.VmStatus(VmRecord.ToProvision(get.VmId, "task-1", get.VmId, "model", Small, DateTimeOffset.UtcNow))
            : new VmProtocol.VmNotFound(get.VmId)));
    }

    /// <summary>The VM region: a real <see cref="VmActor"/> per VM id.</summary>
    private sealed class VmRegion : ReceiveActor
    {
        public VmRegion() => Receive<VmProtocol.IVmCommand>(command =>
            (Context.Child(command.VmId) is var vm && !vm.IsNobody() ? vm : Context.ActorOf(VmActor.Props(command.VmId, VmActorTests.Channel), command.VmId))
            .Forward(command));
    }

    /// <summary>Reads a host's journal as a restarted entity would.</summary>
    private sealed class JournalReader : ReceivePersistentActor
    {
        private readonly List<object> _events = [];

        public JournalReader(string persistenceId, IActorRef replyTo)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ => replyTo.Tell(_events.ToArray()));
            Recover<object>(e => _events.Add(e));
        }

        public override string PersistenceId { get; }
    }

    private async Task<(SimulatedDriver Driver, HostInventory Inventory)> HostWith(params string[] vms)
    {
        var driver = new SimulatedDriver(_fleet);
        var ct = CancellationToken.None;
        var inventory = (await driver.DiscoverHostsAsync(ct)).Single();
        await driver.EnsureBaseLayerAsync(inventory.HostId, new BaseLayerSpec("base", "img", 10), ct);
        foreach (var vm in vms)
        {
            await driver.CreateDiskLayerAsync(inventory.HostId, new DiskLayerSpec($"{vm}-disk", "base", 10), ct);
            await driver.RegisterVmAsync(inventory.HostId, new VmDefinition(vm, vm, Small, $"{vm}-disk"), ct);
            await driver.PowerOnAsync(inventory.HostId, vm, ct);
        }
        return (driver, inventory);
    }

    private ControllerSettings Settings(UnknownVmPolicy policy)
    {
        var settings = ControllerSettings.FromConfig(Journal.Config());
        return settings with
        {
            Fleet = settings.Fleet with { MonitorInterval = TimeSpan.FromMilliseconds(100), UnknownVms = policy, UnknownVmGrace = TimeSpan.FromSeconds(1) },
        };
    }

    [Fact]
    public async Task An_unknown_vm_still_unknown_past_the_grace_is_destroyed_and_recorded_but_one_a_record_knows_is_left_running()
    {
        var (driver, inventory) = await HostWith("vm-a", "vm-orphan", "vm-being-created");
        var vms = Sys.ActorOf(Props.Create(() => new VmRecords(new HashSet<string> { "vm-a", "vm-being-created" })));
        var host = Sys.ActorOf(HostActor.Props(inventory.HostId, driver, Settings(UnknownVmPolicy.Destroy), vms: vms));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>(Settle);
        host.Tell(new AllocateMany(inventory.HostId, "web", ["vm-a"], Small), TestActor);
        ExpectMsg<HostApplied>(Settle);

        await AwaitAssertAsync(async () => Assert.Null(await driver.GetVmAsync(inventory.HostId, "vm-orphan", CancellationToken.None)),
            TimeSpan.FromSeconds(15));
        // Its own layer goes with it; the base the other VMs' layers are built on stays.
        await AwaitAssertAsync(() =>
        {
            var state = _fleet.Fingerprint();
            Assert.DoesNotContain("layer vm-orphan-disk<-", state);
            Assert.Contains("layer base<-", state);
            Assert.Contains("layer vm-a-disk<-base", state);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(5));
        // The task creating it has its record: left alone however long the task takes, and named as drift meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.NotNull(await driver.GetVmAsync(inventory.HostId, "vm-being-created", CancellationToken.None));
        Assert.NotNull(await driver.GetVmAsync(inventory.HostId, "vm-a", CancellationToken.None));
        AwaitAssert(() =>
        {
            host.Tell(new GetHost(inventory.HostId), TestActor);
            Assert.Equal(["vm-being-created"], ExpectMsg<HostStatus>().Snapshot.Drift!.UnknownVms.ToArray());
        }, TimeSpan.FromSeconds(5));

        Watch(host);
        Sys.Stop(host);
        ExpectTerminated(host);
        Sys.ActorOf(Props.Create(() => new JournalReader($"host-{inventory.HostId}", TestActor)));
        var destroyed = Assert.Single(ExpectMsg<object[]>().OfType<UnknownVmDestroyed>());
        Assert.Equal("vm-orphan", destroyed.VmId);
        Assert.Contains("no record knows it", destroyed.Reason);
    }

    [Fact]
    public async Task With_the_keep_policy_an_unknown_vm_stays_running_and_listed()
    {
        var (driver, inventory) = await HostWith("vm-orphan");
        var vms = Sys.ActorOf(Props.Create(() => new VmRecords(new HashSet<string>())));
        var host = Sys.ActorOf(HostActor.Props(inventory.HostId, driver, Settings(UnknownVmPolicy.Keep), vms: vms));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>(Settle);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.NotNull(await driver.GetVmAsync(inventory.HostId, "vm-orphan", CancellationToken.None));
        host.Tell(new GetHost(inventory.HostId), TestActor);
        Assert.Equal(["vm-orphan"], ExpectMsg<HostStatus>().Snapshot.Drift!.UnknownVms.ToArray());
    }

    [Fact]
    public async Task A_recorded_vm_gone_past_the_grace_is_marked_lost_and_released_a_pool_child_goes_to_its_pool_and_one_mid_task_is_left()
    {
        var (driver, inventory) = await HostWith("vm-a");
        var hostId = inventory.HostId;
        var vms = Sys.ActorOf(Props.Create(() => new VmRegion()));
        var pools = CreateTestProbe();
        foreach (var (vmId, migrating) in new[] { ("vm-a", false), ("vm-gone", false), ("vm-moving", true) })
        {
            vms.Tell(new VmProtocol.CreateVm(VmRecord.ToProvision(vmId, "task-1", vmId, "model", Small, DateTimeOffset.UtcNow)), TestActor);
            ExpectMsg<VmProtocol.VmApplied>();
            vms.Tell(new VmProtocol.PlaceVm(vmId, hostId), TestActor);
            ExpectMsg<VmProtocol.VmApplied>();
            if (!migrating) continue;
            vms.Tell(new VmProtocol.StartMigration(vmId, "task-2"), TestActor);
            ExpectMsg<VmProtocol.VmApplied>();
        }
        var host = Sys.ActorOf(HostActor.Props(hostId, driver, Settings(UnknownVmPolicy.Destroy), vms: vms, pools: pools));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>(Settle);
        host.Tell(new AllocateMany(hostId, "web", ["vm-a", "vm-gone", "vm-moving"], Small), TestActor);
        ExpectMsg<HostApplied>(Settle);
        host.Tell(new AllocateMany(hostId, "pool-1", ["pool-1-3"], Small), TestActor);
        ExpectMsg<HostApplied>(Settle);

        var lostChild = pools.ExpectMsg<Cluster.Pools.ChildPoolProtocol.MarkChildrenLost>(TimeSpan.FromSeconds(15));
        Assert.Equal(("pool-1", hostId, "pool-1-3"), (lostChild.Pool, lostChild.HostId, lostChild.ChildIds.Single()));
        AwaitAssert(() =>
        {
            vms.Tell(new VmProtocol.GetVm("vm-gone"), TestActor);
            var record = ExpectMsg<VmProtocol.VmStatus>().Record;
            Assert.Equal(VmState.Lost, record.State);
            Assert.Contains($"host {hostId} no longer has it", record.Loss!.Reason);
        }, TimeSpan.FromSeconds(15));
        AwaitAssert(() =>
        {
            host.Tell(new GetHost(hostId), TestActor);
            var snapshot = ExpectMsg<HostStatus>().Snapshot;
            // vm-gone's capacity is released; the child is its pool's to release, the migrating VM its task's.
            Assert.Equal(3, snapshot.VmCount);
            Assert.Equal(["pool-1-3", "vm-moving"], snapshot.Drift!.LostVms.ToArray());
        }, TimeSpan.FromSeconds(5));
        vms.Tell(new VmProtocol.GetVm("vm-moving"), TestActor);
        Assert.Equal(VmState.Migrating, ExpectMsg<VmProtocol.VmStatus>().Record.State);
        vms.Tell(new VmProtocol.GetVm("vm-a"), TestActor);
        Assert.Equal(VmState.Running, ExpectMsg<VmProtocol.VmStatus>().Record.State);
    }

    [Fact]
    public async Task A_vm_appearing_on_a_host_that_never_went_away_is_found_at_the_next_periodic_check_and_a_restart_keeps_its_grace_clock()
    {
        var (driver, inventory) = await HostWith();
        var hostId = inventory.HostId;
        var destroying = Settings(UnknownVmPolicy.Destroy);
        var settings = destroying with
        {
            Fleet = destroying.Fleet with { ReconcileEvery = TimeSpan.FromMilliseconds(300), UnknownVmGrace = TimeSpan.FromSeconds(6) },
        };
        var host = Sys.ActorOf(HostActor.Props(hostId, driver, settings, vms: Sys.ActorOf(Props.Create(() => new VmRecords(new HashSet<string>())))));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>(Settle);
        // Its first answer has reconciled (nothing to find); the orphan appears behind the controller's back after.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var ct = CancellationToken.None;
        await driver.CreateDiskLayerAsync(hostId, new DiskLayerSpec("vm-orphan-disk", "base", 10), ct);
        await driver.RegisterVmAsync(hostId, new VmDefinition("vm-orphan", "vm-orphan", Small, "vm-orphan-disk"), ct);
        await driver.PowerOnAsync(hostId, "vm-orphan", ct);

        AwaitAssert(() =>
        {
            host.Tell(new GetHost(hostId), TestActor);
            Assert.Equal(["vm-orphan"], ExpectMsg<HostStatus>().Snapshot.Drift?.UnknownVms.ToArray() ?? []);
        }, TimeSpan.FromSeconds(10));
        var seenBy = DateTimeOffset.UtcNow;

        // The node restarts well within the grace: its watch comes back from the journal, the clock does not restart.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Watch(host);
        Sys.Stop(host);
        ExpectTerminated(host);
        var restartedAt = DateTimeOffset.UtcNow;
        var restarted = Restart();
        var again = restarted.ActorOf(HostActor.Props(hostId, driver, settings, vms: restarted.ActorOf(Props.Create(() => new VmRecords(new HashSet<string>())))));

        await AwaitAssertAsync(async () => Assert.Null(await driver.GetVmAsync(hostId, "vm-orphan", ct)), TimeSpan.FromSeconds(20));
        var stopped = CreateTestProbe(restarted);
        stopped.Watch(again);
        restarted.Stop(again);
        stopped.ExpectTerminated(again);
        Sys.ActorOf(Props.Create(() => new JournalReader($"host-{hostId}", TestActor)));
        var destroyed = Assert.Single(ExpectMsg<object[]>().OfType<UnknownVmDestroyed>());
        // The reason names when it was first seen (to the second): before the restart, not after it.
        var since = DateTimeOffset.ParseExact(
            System.Text.RegularExpressions.Regex.Match(destroyed.Reason, @"since at least (\S+ \S+)").Groups[1].Value, "u", null);
        Assert.True(since <= seenBy && since < restartedAt.AddSeconds(-1), $"first seen at {since:u}, restarted at {restartedAt:u}: {destroyed.Reason}");
    }
}
