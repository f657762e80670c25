using Akka.Actor;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Hosts;
using CloudController.Cluster.Metrics;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.Vms;
using CloudController.Domain;
using CloudController.Domain.Placement;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;

namespace CloudController.Cluster.Tests;

/// <summary>
/// The task entity with real host and VM entities and a real fleet view, without sharding: the fleet has one host
/// and the task one VM, so the host's and the VM's actor can stand in for their regions.
/// </summary>
public class ProvisioningTaskActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private const string TaskId = "task-1";
    private const string VmId = "vm-1";

    private readonly SimulatedFleet _fleet = new(new SimulatedFleetOptions { HostCount = 1 });

    private ControllerSettings Settings
    {
        get
        {
            var settings = ControllerSettings.FromConfig(Journal.Config());
            return settings with
            {
                Fleet = settings.Fleet with { MonitorInterval = TimeSpan.FromMilliseconds(100) },
                Provisioning = settings.Provisioning with { FinishedTaskLinger = TimeSpan.FromMinutes(1) },
            };
        }
    }

    private static StartTask Start => new(TaskId, TaskKind.Provision,
        new VmRecord(VmId, "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, $"{VmId}-disk", TaskId, DateTimeOffset.UtcNow),
        "ubuntu-24.04", 10);

    /// <param name="settings">Instead of <see cref="Settings"/>.</param>
    /// <param name="inFrontOfHost">What the task reaches the host through, in place of the host's region.</param>
    private IActorRef StartController(ActorSystem system, ControllerSettings? settings = null, Func<IActorRef, Props>? inFrontOfHost = null)
    {
        var driver = new SimulatedDriver(_fleet);
        var hostId = _fleet.HostIds[0];
        var fleetView = system.ActorOf(FleetView.Props(PlacementPolicy.Default));
        var host = system.ActorOf(HostActor.Props(hostId, driver, settings ?? Settings));
        var channel = new GuestChannel(driver, TestSecrets.Instance);
        var vm = system.ActorOf(VmActor.Props(VmId, channel));
        var inventory = driver.DiscoverHostsAsync(CancellationToken.None).Result.Single();
        host.Tell(new HostProtocol.RegisterHost(inventory), ActorRefs.NoSender);
        // Placement needs the host in the fleet view before the task asks.
        AwaitCondition(() => fleetView.Ask<FleetViewProtocol.Hosts>(new FleetViewProtocol.ListHosts()).Result.Snapshots.Count == 1);
        // No VM here names a storage pool, so the storage table is never asked.
        var hosts = inFrontOfHost is null ? host : system.ActorOf(inFrontOfHost(host));
        var runner = new TaskStepRunner(driver, channel, hosts, vm, fleetView, ActorRefs.Nobody, ActorRefs.Nobody, settings ?? Settings);
        return system.ActorOf(ProvisioningTaskActor.Props(TaskId, runner, settings ?? Settings, ActorRefs.Nobody));
    }

    /// <summary>Watches from a probe of the task's own system, which outlives the test actor after a crash.</summary>
    private ProvisioningTaskStatus WatchUntil(IActorRef task, Func<ProvisioningTask, bool> condition)
    {
        var probe = CreateTestProbe(_restarted ?? Sys);
        task.Tell(new WatchTask(TaskId), probe.Ref);
        return probe.FishForMessage<ProvisioningTaskStatus>(r => condition(r.Task), TimeSpan.FromSeconds(15));
    }

    private ActorSystem? _restarted;

    private IActorRef StartControllerAfterRestart()
    {
        _restarted = Restart();
        return StartController(_restarted);
    }

    [Fact]
    public void Runs_a_provision_to_the_end_and_leaves_a_running_VM_with_its_capacity_allocated()
    {
        var task = StartController(Sys);
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();

        var end = WatchUntil(task, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Succeeded, end.State);
        var onHost = _fleet.Inspect(_fleet.HostIds[0]);
        Assert.Contains(onHost.Vms, v => v.VmId == VmId && v.PowerState == VmPowerState.Running);
    }

    [Fact]
    public void Journals_the_end_in_the_write_of_the_step_that_completes_the_task()
    {
        // No other test class runs tasks, and a class's tests run one at a time: every task write here is this task's.
        var writes = ControllerMetrics.JournalWriteDuration.WithLabels("task");
        var before = writes.Count;
        var task = StartController(Sys);
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();

        var end = WatchUntil(task, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Succeeded, end.State);
        // After its creation (not timed): host chosen, seven steps completed and the end, nine events in eight writes.
        Assert.Equal(8, writes.Count - before);
    }

    [Fact]
    public void Resumes_the_step_it_was_in_after_a_crash_and_finishes()
    {
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        var task = StartController(Sys);
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();
        WatchUntil(task, t => t.Stage == nameof(TaskStep.PoweringOn));

        // The node dies mid-step: the actor system goes away with the step in flight.
        Shutdown(Sys);

        var recovered = StartControllerAfterRestart();
        var end = WatchUntil(recovered, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Succeeded, end.State);
        Assert.Contains(_fleet.Inspect(_fleet.HostIds[0]).Vms, v => v.VmId == VmId && v.PowerState == VmPowerState.Running);
        Assert.Contains(end.History, h => h.Message == "PoweringOn done");
    }

    [Fact]
    public void Recovers_an_interrupted_rollback_and_completes_it()
    {
        // The undo of the disk clone fails until the node restarts: the rollback is mid-way when the node dies.
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.RegisterVm));
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.DeleteDiskLayer, Times: int.MaxValue));
        var fleetBefore = _fleet.Fingerprint(includeBaseLayers: false);
        var task = StartController(Sys);
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();
        WatchUntil(task, t => t.State == TaskState.RollingBack);
        Shutdown(Sys);

        _fleet.Faults.Clear();
        var recovered = StartControllerAfterRestart();
        var end = WatchUntil(recovered, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Failed, end.State);
        Assert.Contains("injected", end.Error);
        Assert.Equal(fleetBefore, _fleet.Fingerprint(includeBaseLayers: false));
    }

    [Fact]
    public void A_step_on_a_host_that_stops_answering_fails_at_its_timeout_and_the_rollback_finishes_once_the_host_answers()
    {
        var hostId = _fleet.HostIds[0];
        var fleetBefore = _fleet.Fingerprint(includeBaseLayers: false);
        // An agent cut off mid-call answers nothing: the call hangs until the step's timeout cancels it.
        _fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        var settings = Settings with
        {
            Provisioning = Settings.Provisioning with
            {
                StepTimeout = TimeSpan.FromSeconds(2),
                RetryBackoffMin = TimeSpan.FromMilliseconds(100),
                RetryBackoffMax = TimeSpan.FromMilliseconds(300),
            },
        };
        var task = StartController(Sys, settings);
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();
        WatchUntil(task, t => t.Stage == nameof(TaskStep.PoweringOn));
        // Crashed only once the power-on hangs in the fault: crashed before the call, the host would refuse it at once.
        AwaitCondition(() => _fleet.Faults.Pending == 0);
        _fleet.Crash(hostId);

        // The step fails at its timeout, not later, and the rollback starts; its undos on the silent host are retried.
        var rollingBack = WatchUntil(task, t => t.State == TaskState.RollingBack).Task;
        Assert.Contains("timed out after 2s", rollingBack.Error);
        Thread.Sleep(TimeSpan.FromSeconds(1));
        Assert.False(WatchUntil(task, _ => true).Task.IsEnded);

        _fleet.Restore(hostId);
        var end = WatchUntil(task, t => t.IsEnded).Task;
        Assert.Equal(TaskState.Failed, end.State);
        Assert.Equal(fleetBefore, _fleet.Fingerprint(includeBaseLayers: false));
    }

    /// <summary>Forwards everything to its target but the first message of type <typeparamref name="T"/>, which it drops.</summary>
    private sealed class DropsFirst<T> : ReceiveActor
    {
        public DropsFirst(IActorRef target)
        {
            var dropped = false;
            ReceiveAny(message =>
            {
                if (message is T && !dropped) dropped = true;
                else target.Forward(message);
            });
        }
    }

    [Fact]
    public void A_command_lost_on_its_way_to_an_entity_is_sent_again_and_the_task_goes_on()
    {
        // As a shard region drops what it buffered for a shard being handed off (a node leaving the cluster): the host
        // never hears of the first reservation, and the task's ask of it times out.
        var settings = Settings with { Entities = Settings.Entities with { AskTimeout = TimeSpan.FromMilliseconds(500) } };
        var task = StartController(Sys, settings, host => Props.Create(() => new DropsFirst<HostProtocol.Reserve>(host)));
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();

        var end = WatchUntil(task, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Succeeded, end.State);
        Assert.DoesNotContain(end.History, h => h.Stage.StartsWith("RollingBack"));
        Assert.Contains(_fleet.Inspect(_fleet.HostIds[0]).Vms, v => v.VmId == VmId && v.PowerState == VmPowerState.Running);
    }

    /// <summary>Stands in for a host that filled up since the fleet view last saw it: every reservation is refused.</summary>
    private sealed class RefusesReservations : ReceiveActor
    {
        public RefusesReservations(IActorRef target)
        {
            ReceiveAny(message =>
            {
                if (message is HostProtocol.Reserve r) Sender.Tell(new HostProtocol.HostRefused(r.HostId, "no room left"));
                else target.Forward(message);
            });
        }
    }

    [Fact]
    public void A_host_that_refuses_the_reservation_is_left_out_and_with_no_other_host_the_task_rolls_back()
    {
        var task = StartController(Sys, inFrontOfHost: host => Props.Create(() => new RefusesReservations(host)));
        task.Tell(Start, TestActor);
        ExpectMsg<ProvisioningTaskStatus>();

        var end = WatchUntil(task, t => t.IsEnded).Task;

        Assert.Equal(TaskState.Failed, end.State);
        Assert.Equal([_fleet.HostIds[0]], end.RefusedHosts);
        Assert.Contains(end.History, h => h.Message == $"host {_fleet.HostIds[0]} refused: no room left");
        Assert.DoesNotContain(_fleet.Inspect(_fleet.HostIds[0]).Vms, v => v.VmId == VmId);
    }

    [Fact]
    public void A_repeated_start_does_not_start_the_task_twice()
    {
        var task = StartController(Sys);
        task.Tell(Start, TestActor);
        var first = ExpectMsg<ProvisioningTaskStatus>().Task;
        task.Tell(Start, TestActor);
        var second = ExpectMsg<ProvisioningTaskStatus>().Task;
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Single(second.History, h => h.Stage == "Accepted");
    }
}
