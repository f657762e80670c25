using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Networks;
using CloudController.Cluster.Quotas;
using CloudController.Domain;
using CloudController.Domain.Networks;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using Xunit.Abstractions;
using static CloudController.Cluster.Networks.VmNetworkProtocol;
using TaskProtocol = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Tests.Networks;

public class VmNetworkActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    /// <summary>Tasks as the network sees them: started on request (and told to the probe), set to a state by the test.</summary>
    private sealed class Tasks : ReceiveActor
    {
        public sealed record Settle(string TaskId, TaskState State, string? Error = null);

        public Tasks(IActorRef probe)
        {
            var tasks = new Dictionary<string, ProvisioningTask>();
            Receive<TaskProtocol.StartTask>(start =>
            {
                tasks.TryAdd(start.TaskId, Task(start.TaskId, start.Kind, start.Vm));
                probe.Forward(start);
            });
            Receive<TaskProtocol.AbortTask>(probe.Forward);
            Receive<TaskProtocol.GetTask>(get =>
                Sender.Tell(tasks.TryGetValue(get.TaskId, out var t) ? new TaskProtocol.ProvisioningTaskStatus(t) : new TaskProtocol.TaskNotFound(get.TaskId)));
            Receive<Settle>(s => tasks[s.TaskId] = tasks[s.TaskId] with { State = s.State, Error = s.Error });
        }

        private static ProvisioningTask Task(string taskId, TaskKind kind, VmRecord vm) =>
            ProvisioningTask.Create(new TaskCreated(taskId, kind, vm, "", 0, DateTimeOffset.UtcNow, null, null, null));
    }

    /// <summary>The VMs that exist; the test takes one away as its delete would.</summary>
    private sealed class Vms : ReceiveActor
    {
        public Vms(params string[] existing)
        {
            var vms = existing.ToHashSet();
            Receive<VmProtocol.GetVm>(get =>
                Sender.Tell(vms.Contains(get.VmId) ? new VmProtocol.VmStatus(Member(get.VmId).Vm) : new VmProtocol.VmNotFound(get.VmId)));
            Receive<string>(gone => vms.Remove(gone));
        }
    }

    private static NetworkMemberRecord Member(string role)
    {
        var vm = VmRecord.ToProvision(role, $"task-{role}", $"{role}-01", "ubuntu", new Resources(1, 1024, 10), DateTimeOffset.UtcNow) with { Owner = "alice" };
        return new NetworkMemberRecord(new PlannedMember(role, "ubuntu", $"{role}-01", "10.0.0.5", ImmutableSortedDictionary<string, string>.Empty), vm, "ubuntu", 10);
    }

    private static readonly CreateNetwork Shop = new("shop", [Member("web"), Member("db")]);

    private IActorRef Network(ActorSystem system, IActorRef tasks, IActorRef vms, IActorRef? quotas = null) =>
        system.ActorOf(VmNetworkActor.Props("shop", tasks, vms, quotas ?? ActorRefs.Nobody, ControllerSettings.FromConfig(Journal.Config())));

    private NetworkStatus AwaitPhase(IActorRef network, NetworkPhase phase)
    {
        NetworkStatus? status = null;
        AwaitCondition(() =>
        {
            network.Tell(new GetNetwork("shop"), TestActor);
            status = ExpectMsg<NetworkStatus>();
            return status.Network.Phase == phase;
        }, TimeSpan.FromSeconds(20));
        return status!;
    }

    [Fact]
    public void Starts_a_task_per_member_answers_a_repeated_create_with_its_status_and_is_ready_when_all_succeed()
    {
        var started = CreateTestProbe();
        var tasks = Sys.ActorOf(Props.Create(() => new Tasks(started.Ref)));
        var network = Network(Sys, tasks, Sys.ActorOf(Props.Create(() => new Vms())));

        Sys.ActorOf(VmNetworkActor.Props("other", tasks, ActorRefs.Nobody, ActorRefs.Nobody, ControllerSettings.FromConfig(Journal.Config())))
            .Tell(new GetNetwork("other"), TestActor);
        ExpectMsg(new NetworkNotFound("other"));

        network.Tell(Shop, TestActor);
        Assert.Equal(NetworkPhase.Provisioning, ExpectMsg<NetworkStatus>().Network.Phase);
        Assert.Equal(["task-web", "task-db"], new[] { started.ExpectMsg<TaskProtocol.StartTask>(), started.ExpectMsg<TaskProtocol.StartTask>() }
            .Select(s => s.TaskId));
        network.Tell(Shop with { Members = [Member("cache")] }, TestActor);
        Assert.Equal(["web", "db"], ExpectMsg<NetworkStatus>().Network.Members.Select(m => m.Plan.Role));
        started.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        tasks.Tell(new Tasks.Settle("task-web", TaskState.Succeeded));
        tasks.Tell(new Tasks.Settle("task-db", TaskState.Succeeded));
        var ready = AwaitPhase(network, NetworkPhase.Ready);
        Assert.Equal(TaskState.Succeeded.ToString(), ready.TaskStates["web"], ignoreCase: true);
    }

    [Fact]
    public void Resumes_from_the_journal_restarting_its_members_and_rolls_back_when_one_fails_settled_across_a_restart()
    {
        var network = Network(Sys, Sys.ActorOf(Props.Create(() => new Tasks(TestActor))), Sys.ActorOf(Props.Create(() => new Vms())));
        network.Tell(Shop, TestActor);
        ExpectMsg<NetworkStatus>();
        ExpectMsg<TaskProtocol.StartTask>();
        ExpectMsg<TaskProtocol.StartTask>();
        Watch(network);
        Sys.Stop(network);
        ExpectTerminated(network);

        // Restarted mid-provisioning: it starts its members' tasks again (starting a task is idempotent).
        var second = Restart();
        var started = CreateTestProbe(second);
        var tasks = second.ActorOf(Props.Create(() => new Tasks(started.Ref)));
        var vms = second.ActorOf(Props.Create(() => new Vms("web")));
        var quotas = CreateTestProbe(second);
        network = Network(second, tasks, vms, quotas.Ref);
        Assert.Equal(["task-web", "task-db"], new[] { started.ExpectMsg<TaskProtocol.StartTask>(), started.ExpectMsg<TaskProtocol.StartTask>() }
            .Select(s => s.TaskId));

        // db fails; web was made, so it is deleted, once, under its derived task id.
        tasks.Tell(new Tasks.Settle("task-web", TaskState.Succeeded));
        tasks.Tell(new Tasks.Settle("task-db", TaskState.Failed, "disk full"));
        Assert.Equal("member db failed: disk full", AwaitPhase(network, NetworkPhase.RollingBack).Network.Failure);
        var undo = started.ExpectMsg<TaskProtocol.StartTask>();
        Assert.Equal((VmNetwork.UndoTaskId("task-web"), TaskKind.Delete, "web"), (undo.TaskId, undo.Kind, undo.Vm.VmId));
        tasks.Tell(new Tasks.Settle(undo.TaskId, TaskState.Succeeded));
        vms.Tell("web");
        AwaitPhase(network, NetworkPhase.RolledBack);
        // Nothing of it is left: every member's quota claim is given back.
        Assert.Equal(["db", "web"], new[] { quotas.ExpectMsg<QuotaProtocol.Release>(), quotas.ExpectMsg<QuotaProtocol.Release>() }
            .Select(r => r.ClaimId).Order());
        Watch(network);
        second.Stop(network);
        ExpectTerminated(network);

        var third = Restart();
        var idle = CreateTestProbe(third);
        var settled = Network(third, third.ActorOf(Props.Create(() => new Tasks(idle.Ref))), ActorRefs.Nobody);
        settled.Tell(new GetNetwork("shop"), TestActor);
        var status = ExpectMsg<NetworkStatus>();
        Assert.Equal((NetworkPhase.RolledBack, "member db failed: disk full"), (status.Network.Phase, status.Network.Failure));
        idle.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }
}
