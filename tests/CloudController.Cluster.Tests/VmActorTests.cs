using Akka.Actor;
using CloudController.Cluster.Vms;
using CloudController.Domain;
using CloudController.Domain.Vms;
using Xunit.Abstractions;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Tests;

public class VmActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly VmRecord Web = new(
        "vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "vm-1-disk", "task-1",
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    internal static readonly GuestChannel Channel = new(
        new Hypervisor.Simulated.SimulatedDriver(new Hypervisor.Simulated.SimulatedFleet(new Hypervisor.Simulated.SimulatedFleetOptions())), TestSecrets.Instance);

    [Fact]
    public void Follows_a_VM_from_provisioning_to_running_to_deleting_and_recovers_each_state()
    {
        var vm = Sys.ActorOf(VmActor.Props("vm-1", Channel));
        vm.Tell(new CreateVm(Web), TestActor);
        ExpectMsg<VmApplied>();
        vm.Tell(new CreateVm(Web), TestActor);
        ExpectMsg<VmApplied>(); // the same task repeating its step

        vm.Tell(new StartDeletion("vm-1", "task-2"), TestActor);
        Assert.Contains("abort that task", ExpectMsg<VmRefused>().Reason);

        vm.Tell(new PlaceVm("vm-1", "host-a"), TestActor);
        ExpectMsg<VmApplied>();
        var afterPlacing = Restart().ActorOf(VmActor.Props("vm-1", Channel));
        afterPlacing.Tell(new GetVm("vm-1"), TestActor);
        var running = ExpectMsg<VmStatus>().Record;
        Assert.Equal(VmState.Running, running.State);
        Assert.Equal("host-a", running.HostId);

        afterPlacing.Tell(new StartDeletion("vm-1", "task-2"), TestActor);
        ExpectMsg<VmApplied>();
        afterPlacing.Tell(new StartDeletion("vm-1", "task-3"), TestActor);
        Assert.Contains("already being deleted by task task-2", ExpectMsg<VmRefused>().Reason);

        var afterDeletion = Restart().ActorOf(VmActor.Props("vm-1", Channel));
        afterDeletion.Tell(new GetVm("vm-1"), TestActor);
        Assert.Equal(VmState.Deleting, ExpectMsg<VmStatus>().Record.State);
    }

    [Fact]
    public void A_second_task_cannot_take_over_an_existing_VM_id()
    {
        var vm = Sys.ActorOf(VmActor.Props("vm-1", Channel));
        vm.Tell(new CreateVm(Web), TestActor);
        ExpectMsg<VmApplied>();
        vm.Tell(new CreateVm(Web with { TaskId = "task-9" }), TestActor);
        Assert.Contains("already exists", ExpectMsg<VmRefused>().Reason);
    }

    [Fact]
    public void A_removed_VM_is_gone_after_recovery_and_removing_it_again_is_a_no_op()
    {
        var vm = Sys.ActorOf(VmActor.Props("vm-1", Channel));
        vm.Tell(new CreateVm(Web), TestActor);
        ExpectMsg<VmApplied>();
        vm.Tell(new RemoveVm("vm-1", "rolled back"), TestActor);
        ExpectMsg<VmApplied>();

        var restarted = Restart().ActorOf(VmActor.Props("vm-1", Channel));
        restarted.Tell(new GetVm("vm-1"), TestActor);
        ExpectMsg<VmNotFound>();
        restarted.Tell(new RemoveVm("vm-1", "again"), TestActor);
        ExpectMsg<VmApplied>();
    }
}
