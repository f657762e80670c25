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

    private readonly SimulatedFleet _fleet = new(new SimulatedFleetOptions { HostCount = 1 });

    /// <summary>Answers for the VM records: only <paramref name="recorded"/> exist.</summary>
    private sealed class VmRecords : ReceiveActor
    {
        public VmRecords(IReadOnlySet<string> recorded) => Receive<VmProtocol.GetVm>(get => Sender.Tell(recorded.Contains(get.VmId)
            ? new VmProtocol.VmStatus(VmRecord.ToProvision(get.VmId, "task-1", get.VmId, "model", Small, DateTimeOffset.UtcNow))
            : new VmProtocol.VmNotFound(get.VmId)));
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

    private ControllerSettings Settings(UnknownVmPolicy policy) => ControllerSettings.FromConfig(Journal.Config()) with
    {
        MonitorInterval = TimeSpan.FromMilliseconds(100),
        UnknownVms = policy,
        UnknownVmGrace = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task An_unknown_vm_still_unknown_past_the_grace_is_destroyed_and_recorded_but_one_a_record_knows_is_left_running()
    {
        var (driver, inventory) = await HostWith("vm-a", "vm-orphan", "vm-being-created");
        var vms = Sys.ActorOf(Props.Create(() => new VmRecords(new HashSet<string> { "vm-a", "vm-being-created" })));
        var host = Sys.ActorOf(HostActor.Props(inventory.HostId, driver, Settings(UnknownVmPolicy.Destroy), vms: vms));
        host.Tell(new RegisterHost(inventory), TestActor);
        ExpectMsg<Applied>();
        host.Tell(new AllocateMany(inventory.HostId, "web", ["vm-a"], Small), TestActor);
        ExpectMsg<Applied>();

        await AwaitAssertAsync(async () => Assert.Null(await driver.GetVmAsync(inventory.HostId, "vm-orphan", CancellationToken.None)),
            TimeSpan.FromSeconds(15));
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
        ExpectMsg<Applied>();

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.NotNull(await driver.GetVmAsync(inventory.HostId, "vm-orphan", CancellationToken.None));
        host.Tell(new GetHost(inventory.HostId), TestActor);
        Assert.Equal(["vm-orphan"], ExpectMsg<HostStatus>().Snapshot.Drift!.UnknownVms.ToArray());
    }
}
