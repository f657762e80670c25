using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.InstantClone;
using CloudController.Domain;
using CloudController.Domain.InstantClone;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.InstantClone.ReplicaMapProtocol;
using HostProtocol = CloudController.Cluster.Hosts.HostProtocol;

namespace CloudController.Cluster.Tests.InstantClone;

public class ReplicaMapActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    [Fact]
    public void Taking_a_failed_replica_apart_is_retried_while_the_actor_lives_and_never_after_it_stopped()
    {
        var hosts = CreateTestProbe("hosts");
        var defaults = ControllerSettings.FromConfig(Journal.Config());
        var settings = defaults with
        {
            Entities = defaults.Entities with { AskTimeout = TimeSpan.FromMilliseconds(200) },
            Provisioning = defaults.Provisioning with { RetryBackoffMin = TimeSpan.FromMilliseconds(20), RetryBackoffMax = TimeSpan.FromMilliseconds(50) },
        };
        var fleet = new SimulatedFleet(new SimulatedFleetOptions { HostCount = 1 });
        var driver = new SimulatedDriver(fleet);
        // Each attempt to take the replica apart starts by looking the VM up.
        long Attempts() => fleet.OperationCounts.GetValueOrDefault(DriverOperation.GetVm);
        var map = Sys.ActorOf(ReplicaMapActor.Props("web-tpl", new ReplicaBuilder(driver, hosts.Ref, settings), settings));
        map.Tell(new DefineTemplate(new ForkTemplate("web-tpl", "ubuntu", "img", 10, new Resources(2, 4096, 40), 64, [])));
        ExpectMsg<ReplicaMapStatus>();

        // The host refuses the replica, so it is taken apart, which fails (it never got a disk) and is retried.
        map.Tell(new EnsureReplicas("web-tpl", ["sim-host-1"]));
        hosts.ExpectMsg<HostProtocol.AllocateMany>();
        hosts.Reply(new HostProtocol.HostRefused("sim-host-1", "full"));
        AwaitCondition(() => Attempts() >= 3, TimeSpan.FromSeconds(10));

        Watch(map);
        Sys.Stop(map);
        ExpectTerminated(map);
        // At most the attempt already under way when it stopped finishes; then nothing more.
        Thread.Sleep(300);
        var atStop = Attempts();
        Thread.Sleep(1500);
        Assert.Equal(atStop, Attempts());
    }

    private static readonly ForkTemplate WebTemplate = new("web-tpl", "ubuntu", "img", 10, new Resources(2, 4096, 40), 64, []);

    private IActorRef Map(ActorSystem system, IActorRef hosts)
    {
        var settings = ControllerSettings.FromConfig(Journal.Config());
        var driver = new SimulatedDriver(new SimulatedFleet(new SimulatedFleetOptions { HostCount = 1 }));
        return system.ActorOf(ReplicaMapActor.Props("web-tpl", new ReplicaBuilder(driver, hosts, settings), settings));
    }

    [Fact]
    public void Refuses_an_undefined_template_a_redefinition_while_it_has_replicas_and_removing_one_being_made_and_resumes_it_after_a_restart()
    {
        // The host never answers: the replica stays being made for the whole test.
        var hosts = CreateTestProbe("silent-hosts");
        var map = Map(Sys, hosts);
        map.Tell(new EnsureReplicas("web-tpl", ["sim-host-1"]), TestActor);
        ExpectMsg(new TemplateNotFound("web-tpl"));

        map.Tell(new DefineTemplate(WebTemplate), TestActor);
        ExpectMsg<ReplicaMapStatus>();
        map.Tell(new EnsureReplicas("web-tpl", ["sim-host-1"]), TestActor);
        hosts.ExpectMsg<HostProtocol.AllocateMany>();
        map.Tell(new DefineTemplate(WebTemplate with { Hardware = new Resources(4, 8192, 40) }), TestActor);
        Assert.Equal("template web-tpl has replicas on 1 host(s); remove them before redefining it", ExpectMsg<ReplicaMapRefused>().Reason);
        map.Tell(new RemoveReplica("web-tpl", "sim-host-1"), TestActor);
        Assert.Equal("the replica on sim-host-1 is still being made", ExpectMsg<ReplicaMapRefused>().Reason);
        Watch(map);
        Sys.Stop(map);
        ExpectTerminated(map);

        // Recovered as being made, so it carries on making it.
        var restarted = Restart();
        var again = CreateTestProbe(restarted);
        map = Map(restarted, again);
        again.ExpectMsg<HostProtocol.AllocateMany>();
        map.Tell(new GetReplicaMap("web-tpl"), TestActor);
        var recovered = ExpectMsg<ReplicaMapStatus>().Map;
        Assert.Equal(("web-tpl", WebTemplate.Hardware), (recovered.Template!.Name, recovered.Template.Hardware));
        Assert.Equal(ReplicaState.Creating, recovered.Replicas["sim-host-1"].State);
    }
}
