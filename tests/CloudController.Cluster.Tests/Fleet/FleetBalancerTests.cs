using Akka.Actor;
using Akka.TestKit;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using Xunit.Abstractions;
using static CloudController.Cluster.Fleet.FleetBalancerProtocol;
using TaskProtocol = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;

namespace CloudController.Cluster.Tests.Fleet;

/// <summary>The balancer keeps nothing of its own (it reads the fleet and the VMs each time): there is no recovery to test.</summary>
public class FleetBalancerTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly Resources Size = new(8, 16384, 200);

    // hv-1 uses 15 of its 16 GiB, over the 85% mark; hv-2 is empty.
    private static readonly FleetViewProtocol.Hosts Fleet = new([
        new HostSnapshot("hv-1", HostState.Active, "std", [], Size, new Resources(0, 0, 0), new Resources(7, 15360, 70), 3, 0, 0.1, DateTimeOffset.UtcNow),
        new HostSnapshot("hv-2", HostState.Active, "std", [], Size, new Resources(0, 0, 0), new Resources(0, 0, 0), 0, 0, 0.1, DateTimeOffset.UtcNow),
    ]);

    private static Fold Vm(string vmId, VmState state, Resources hardware) =>
        new(vmId, new VmRecordCreated(new VmRecord(vmId, vmId, "web", hardware, state, "hv-1", $"{vmId}-disk", "task-1", DateTimeOffset.UtcNow)));

    private TestProbe Answering(object reply)
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, _) =>
        {
            sender.Tell(reply);
            return AutoPilot.KeepRunning;
        }));
        return probe;
    }

    private IActorRef Balancer(TestProbe tasks, TimeSpan interval)
    {
        // The smallest VM on hv-1 is one being migrated already: a task's own, it must not be moved by another.
        var vms = Sys.ActorOf(FoldedProjection<VmDirectory>.Props(new VmDirectory(),
            Vm("vm-busy", VmState.Migrating, new Resources(1, 1024, 10)),
            Vm("vm-small", VmState.Running, new Resources(2, 4096, 20)),
            Vm("vm-large", VmState.Running, new Resources(4, 10240, 40))));
        var defaults = ControllerSettings.FromConfig(Journal.Config());
        var settings = defaults with { Rebalancing = defaults.Rebalancing with { Interval = interval } };
        return Sys.ActorOf(FleetBalancer.Props(Answering(Fleet), vms, tasks, settings));
    }

    [Fact]
    public void A_dry_run_plans_the_smallest_running_VM_off_the_hot_host_and_starts_nothing_a_real_run_starts_its_migration()
    {
        var tasks = Answering("started");
        var balancer = Balancer(tasks, TimeSpan.Zero);

        balancer.Tell(new Rebalance(0.85, 0.9, DryRun: true), TestActor);
        var planned = ExpectMsg<Rebalanced>();
        var move = Assert.Single(planned.Moves);
        Assert.Equal(("vm-small", "hv-1", "hv-2"), (move.VmId, move.FromHostId, move.ToHostId));
        Assert.StartsWith("hv-1 uses 94", move.Reason);
        Assert.Empty(planned.TaskIds);
        tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        balancer.Tell(new Rebalance(0.85, 0.9, DryRun: false), TestActor);
        var done = ExpectMsg<Rebalanced>();
        var start = tasks.ExpectMsg<TaskProtocol.StartTask>();
        Assert.Equal((TaskKind.Migrate, "vm-small", "hv-2"), (start.Kind, start.Vm.VmId, start.TargetHostId));
        Assert.Equal(start.TaskId, done.TaskIds["vm-small"]);
        Assert.StartsWith("rebalance-vm-small-", start.TaskId);
    }

    [Fact]
    public void Rebalances_at_its_interval_unasked_and_only_when_one_is_set()
    {
        var idle = Answering("started");
        Balancer(idle, TimeSpan.Zero);
        idle.ExpectNoMsg(TimeSpan.FromMilliseconds(600));

        var tasks = Answering("started");
        Balancer(tasks, TimeSpan.FromMilliseconds(200));
        Assert.Equal("vm-small", tasks.ExpectMsg<TaskProtocol.StartTask>().Vm.VmId);
    }
}
