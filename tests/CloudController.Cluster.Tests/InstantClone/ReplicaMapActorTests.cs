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
        var settings = ControllerSettings.FromConfig(Journal.Config()) with
        {
            AskTimeout = TimeSpan.FromMilliseconds(200), RetryBackoffMin = TimeSpan.FromMilliseconds(20), RetryBackoffMax = TimeSpan.FromMilliseconds(50),
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
        hosts.Reply(new HostProtocol.Refused("sim-host-1", "full"));
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
}
