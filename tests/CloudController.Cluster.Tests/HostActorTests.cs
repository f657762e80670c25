using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Hosts;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.Hosts.HostProtocol;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;

namespace CloudController.Cluster.Tests;

public class HostActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly HostInventory Inventory = new("sim-host-1", "general", new Resources(8, 16384, 500), ["avx2"]);
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddHours(1);

    private readonly SimulatedDriver _driver = new(new SimulatedFleet(new SimulatedFleetOptions { HostCount = 1 }));

    private ControllerSettings Settings(int snapshotEvery = 200, TimeSpan? lease = null)
    {
        var settings = ControllerSettings.FromConfig(Journal.Config());
        return settings with
        {
            Entities = settings.Entities with { SnapshotEvery = snapshotEvery },
            // These tests count cores one to one; the over-committing one sets its own ratio.
            Fleet = settings.Fleet with { MonitorInterval = TimeSpan.FromMilliseconds(100), CpuAllocation = CpuAllocationRatios.None },
            Provisioning = settings.Provisioning with { ReservationLease = lease ?? TimeSpan.FromMinutes(10) },
        };
    }

    private IActorRef NewHost(ActorSystem system, ControllerSettings settings, IActorRef? tasks = null) =>
        system.ActorOf(HostActor.Props(Inventory.HostId, _driver, settings, tasks));

    [Fact]
    public void Reserves_while_capacity_lasts_and_refuses_with_the_reason_after()
    {
        var host = NewHost(Sys, Settings());
        host.Tell(new RegisterHost(Inventory), TestActor);
        ExpectMsg<HostApplied>();

        host.Tell(new Reserve(Inventory.HostId, "task-a", new Resources(4, 8192, 100), Later), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new Reserve(Inventory.HostId, "task-a", new Resources(4, 8192, 100), Later), TestActor);
        ExpectMsg<HostApplied>(); // a resumed task repeating its step
        host.Tell(new Reserve(Inventory.HostId, "task-b", new Resources(4, 12288, 100), Later), TestActor);
        Assert.Contains("only", ExpectMsg<HostRefused>().Reason);

        host.Tell(new GetHost(Inventory.HostId), TestActor);
        var snapshot = ExpectMsg<HostStatus>().Snapshot;
        Assert.Equal(new Resources(4, 8192, 100), snapshot.Reserved);
        Assert.Equal(new Resources(4, 8192, 400), snapshot.Free);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(3)]
    public void Recovers_its_ledger_from_the_journal_with_or_without_snapshots(int snapshotEvery)
    {
        var settings = Settings(snapshotEvery);
        var host = NewHost(Sys, settings);
        host.Tell(new RegisterHost(Inventory), TestActor);
        ExpectMsg<HostApplied>();
        for (var i = 0; i < 5; i++)
        {
            host.Tell(new Reserve(Inventory.HostId, $"task-{i}", new Resources(1, 1024, 10), Later), TestActor);
            ExpectMsg<HostApplied>();
        }
        host.Tell(new CommitReservation(Inventory.HostId, "task-0", "vm-0"), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new ReleaseReservation(Inventory.HostId, "task-1", "rolled back"), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new SetHostState(Inventory.HostId, HostState.Maintenance, "firmware update", "alice"), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new SetHostState(Inventory.HostId, HostState.Active, "updated", "bob"), TestActor);
        ExpectMsg<HostApplied>();

        var restarted = NewHost(Restart(), settings);
        restarted.Tell(new GetHostHistory(Inventory.HostId), TestActor);
        Assert.Equal(
            [("maintenance", "firmware update", "alice"), ("active", "updated", "bob")],
            ExpectMsg<HostHistory>().Changes.Select(c => (c.State, c.Reason, c.By)));
        restarted.Tell(new GetHost(Inventory.HostId), TestActor);
        var snapshot = ExpectMsg<HostStatus>().Snapshot;
        Assert.Equal(Inventory.Capacity, snapshot.Capacity);
        Assert.Equal(3, snapshot.ReservationCount);
        Assert.Equal(1, snapshot.VmCount);
        Assert.Equal(new Resources(1, 1024, 10), snapshot.Allocated);
        Assert.Equal(new Resources(3, 3072, 30), snapshot.Reserved);

        // The allocation ratio is configuration: the host restarted under another one takes it, snapshot or not.
        var overCommitted = settings with
        {
            Fleet = settings.Fleet with { CpuAllocation = new CpuAllocationRatios(1, ImmutableDictionary<string, double>.Empty.Add(Inventory.HostId, 4)) },
        };
        var again = NewHost(Restart(), overCommitted);
        again.Tell(new GetHost(Inventory.HostId), TestActor);
        snapshot = ExpectMsg<HostStatus>().Snapshot;
        Assert.Equal(Inventory.Capacity with { CpuCores = 32 }, snapshot.Capacity);
        Assert.Equal(4, snapshot.CpuAllocationRatio);
        again.Tell(new Reserve(Inventory.HostId, "task-wide", new Resources(28, 1024, 10), Later), TestActor);
        ExpectMsg<HostApplied>();
    }

    [Fact]
    public void Publishes_its_status_to_the_fleet_view_topic_on_change_and_on_monitoring()
    {
        var mediator = DistributedPubSub.Get(Sys).Mediator;
        mediator.Tell(new Subscribe(FleetView.Topic, TestActor));
        ExpectMsg<SubscribeAck>();

        var host = NewHost(Sys, Settings());
        host.Tell(new RegisterHost(Inventory));
        var published = FishForMessage<HostStatus>(s => s.Snapshot.HostId == Inventory.HostId);
        Assert.Equal(HostState.Active, published.Snapshot.State);
        Assert.Equal(["avx2"], published.Snapshot.CpuFlags.ToArray());
    }

    [Fact]
    public void Monitoring_sends_nothing_new_until_a_change_or_a_view_asks_for_the_status()
    {
        var mediator = DistributedPubSub.Get(Sys).Mediator;
        var view = CreateTestProbe();
        mediator.Tell(new Subscribe(FleetView.Topic, view.Ref), view.Ref);
        view.ExpectMsg<SubscribeAck>();
        var settings = Settings();
        // A host the simulated fleet has, so that every check answers.
        var inventory = Inventory with { HostId = _driver.Fleet.HostIds[0] };
        var host = Sys.ActorOf(HostActor.Props(inventory.HostId, _driver, settings with { Fleet = settings.Fleet with { StatusRefreshInterval = TimeSpan.FromHours(1) } }));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>();
        view.FishForMessage<HostStatus>(s => s.Snapshot.HostId == inventory.HostId);

        // Its first ten checks (every 100 ms) send each time, while other nodes' subscriptions may still be spreading.
        view.ReceiveWhile(TimeSpan.FromSeconds(1.5), o => o as HostStatus);
        // Then ten more of a host whose status stays as it was: at most one sends it again.
        var repeats = view.ReceiveWhile(TimeSpan.FromSeconds(1), o => o as HostStatus);
        Assert.True(repeats.Count <= 1, $"{repeats.Count} statuses sent for a host that did not change");

        host.Tell(new Reserve(inventory.HostId, "task-a", new Resources(1, 1024, 10), Later), TestActor);
        ExpectMsg<HostApplied>();
        Assert.Equal(1, view.FishForMessage<HostStatus>(s => s.Snapshot.ReservationCount == 1).Snapshot.ReservationCount);

        // A view that starts asks every host through the refresh topic, and gets the status at once.
        view.ReceiveWhile(TimeSpan.FromMilliseconds(300), o => o as HostStatus);
        mediator.Tell(new Publish(FleetView.RefreshTopic, new SendStatus("a new view")));
        view.ExpectMsg<HostStatus>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Reclaims_an_expired_reservation_whose_task_is_gone_and_keeps_one_whose_task_still_holds_it()
    {
        var tasks = CreateTestProbe();
        var host = NewHost(Sys, Settings(lease: TimeSpan.FromMilliseconds(1)), tasks.Ref);
        host.Tell(new RegisterHost(Inventory), TestActor);
        ExpectMsg<HostApplied>();
        var expired = DateTimeOffset.UtcNow.AddSeconds(-1);
        host.Tell(new Reserve(Inventory.HostId, "task-gone", new Resources(1, 1024, 10), expired), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new Reserve(Inventory.HostId, "task-alive", new Resources(1, 1024, 10), expired), TestActor);
        ExpectMsg<HostApplied>();

        var asked = new HashSet<string>();
        while (asked.Count < 2)
        {
            var confirm = tasks.ExpectMsg<ConfirmReservation>();
            if (!asked.Add(confirm.TaskId)) continue;
            tasks.Reply(confirm.TaskId == "task-gone"
                ? new ReservationNotHeld(confirm.TaskId, confirm.HostId)
                : new ReservationStillHeld(confirm.TaskId, confirm.HostId));
        }

        AwaitAssert(() =>
        {
            host.Tell(new GetHost(Inventory.HostId), TestActor);
            var snapshot = ExpectMsg<HostStatus>().Snapshot;
            Assert.Equal(1, snapshot.ReservationCount);
            Assert.Equal(new Resources(1, 1024, 10), snapshot.Reserved);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_host_silent_past_the_window_is_offline_and_when_it_answers_again_names_the_vms_no_record_knows_and_the_recorded_ones_gone()
    {
        var fleet = new SimulatedFleet(new SimulatedFleetOptions { HostCount = 1 });
        var driver = new SimulatedDriver(fleet);
        var ct = CancellationToken.None;
        var inventory = (await driver.DiscoverHostsAsync(ct)).Single();
        var hostId = inventory.HostId;
        await driver.EnsureBaseLayerAsync(hostId, new Hypervisor.BaseLayerSpec("base", "img", 10), ct);
        foreach (var vm in new[] { "vm-a", "vm-x" })
        {
            await driver.CreateDiskLayerAsync(hostId, new Hypervisor.DiskLayerSpec($"{vm}-disk", "base", 10), ct);
            await driver.RegisterVmAsync(hostId, new Hypervisor.VmDefinition(vm, vm, new Resources(1, 512, 10), $"{vm}-disk"), ct);
        }
        var settings = Settings();
        var host = Sys.ActorOf(HostActor.Props(hostId, driver, settings with { Fleet = settings.Fleet with { UnreachableAfter = TimeSpan.FromSeconds(3) } }));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<HostApplied>();
        host.Tell(new AllocateMany(hostId, "web", ["vm-a", "vm-b"], new Resources(1, 512, 10)), TestActor);
        ExpectMsg<HostApplied>();
        HostSnapshot Snapshot()
        {
            host.Tell(new GetHost(hostId), TestActor);
            return ExpectMsg<HostStatus>().Snapshot;
        }

        fleet.Crash(hostId);
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        // One missed answer is not an outage.
        Assert.Equal(HostState.Active, Snapshot().State);
        AwaitAssert(() => Assert.Equal(HostState.Offline, Snapshot().State), TimeSpan.FromSeconds(10));

        fleet.Restore(hostId);
        AwaitAssert(() =>
        {
            var snapshot = Snapshot();
            Assert.Equal(HostState.Active, snapshot.State);
            Assert.NotNull(snapshot.Drift);
            Assert.Equal(["vm-x"], snapshot.Drift.UnknownVms.ToArray());
            Assert.Equal(["vm-b"], snapshot.Drift.LostVms.ToArray());
        }, TimeSpan.FromSeconds(10));
        // Each transition is in the host's state history, once.
        AwaitAssert(() =>
        {
            host.Tell(new GetHostHistory(hostId), TestActor);
            var changes = ExpectMsg<HostHistory>().Changes;
            Assert.Equal([HostStateChange.Unreachable, HostStateChange.Returned], changes.Select(c => c.State));
            Assert.StartsWith("silent for 3s", changes[0].Reason);
        }, TimeSpan.FromSeconds(5));
        // Reported, never touched: the unknown VM still exists on the host.
        Assert.NotNull(await driver.GetVmAsync(hostId, "vm-x", ct));
    }
}
