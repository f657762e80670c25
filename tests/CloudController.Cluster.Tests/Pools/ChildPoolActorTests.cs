using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.InstantClone;
using CloudController.Cluster.Pools;
using CloudController.Domain;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.Pools.ChildPoolProtocol;
using KeyPoolProtocol = CloudController.Cluster.KeyPool.KeyPoolProtocol;

namespace CloudController.Cluster.Tests.Pools;

/// <summary>A pool whose fleet view lists no host: it decides and journals, but never forks, so only its own books are tested.</summary>
public class ChildPoolActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly PoolDefinition Web = new("web", "web-tpl", [], "web-{n}", "10.0.0.0/24", "", 3);

    private static readonly ReplicaMap Template =
        ReplicaMap.Empty with { Template = new ForkTemplate("web-tpl", "ubuntu", "img", 10, new Resources(2, 4096, 40), 64, []) };

    private static TestProbe Answering(ActorSystem system, TestKitBase kit, object reply)
    {
        var probe = kit.CreateTestProbe(system);
        probe.SetAutoPilot(new DelegateAutoPilot((sender, _) =>
        {
            sender.Tell(reply);
            return AutoPilot.KeepRunning;
        }));
        return probe;
    }

    private Props Pool(ActorSystem system, string name, IActorRef keyPools)
    {
        var settings = ControllerSettings.FromConfig(Journal.Config());
        var fleet = Answering(system, this, new FleetViewProtocol.Hosts([]));
        var maps = Answering(system, this, new ReplicaMapProtocol.ReplicaMapStatus(Template));
        var lifecycle = new ChildLifecycle(new SimulatedDriver(new SimulatedFleet(new SimulatedFleetOptions { HostCount = 1 })), ActorRefs.Nobody,
            maps, keyPools, TestSecrets.Instance.Authority.PublicKey, settings);
        return ChildPoolActor.Props(name, lifecycle, fleet, maps, keyPools, settings);
    }

    private IActorRef Stopped(ActorSystem system, IActorRef pool)
    {
        Watch(pool);
        system.Stop(pool);
        ExpectTerminated(pool);
        return pool;
    }

    [Fact]
    public void Refuses_a_second_definition_a_bad_count_growth_without_autoscaling_and_an_unknown_child_and_passivates_an_unknown_pool()
    {
        var keys = CreateTestProbe();
        var pool = Sys.ActorOf(Pool(Sys, "web", keys));
        pool.Tell(new CreatePool(Web), TestActor);
        Assert.Equal(Web, ExpectMsg<PoolStatus>().Definition);
        // The children it has still to fork will each ask the key pool for a set: announced ahead.
        Assert.Equal(("pool:web", 3), keys.ExpectMsg<KeyPoolProtocol.ExpectDemand>() is var d ? (d.Source, d.Count) : default);

        pool.Tell(new CreatePool(Web), TestActor);
        ExpectMsg<PoolStatus>();
        pool.Tell(new CreatePool(Web with { Desired = 5 }), TestActor);
        Assert.Equal("pool web exists with another definition", ExpectMsg<PoolRefused>().Reason);
        pool.Tell(new ScalePool("web", -1), TestActor);
        Assert.Equal("desired must be 0-100000, not -1", ExpectMsg<PoolRefused>().Reason);
        pool.Tell(new GrowPool("web", 1), TestActor);
        Assert.Contains("does not take part in autoscaling", ExpectMsg<PoolRefused>().Reason);
        pool.Tell(new RemoveChildren("web", ["web-9"], "not wanted"), TestActor);
        Assert.Equal("web-9 is not a child of pool web", ExpectMsg<PoolRefused>().Reason);

        var shard = CreateTestProbe();
        var unknown = shard.ChildActorOf(Pool(Sys, "nope", keys));
        unknown.Tell(new ScalePool("nope", 2), TestActor);
        ExpectMsg(new PoolNotFound("nope"));
        shard.ExpectMsg<Passivate>();
    }

    [Fact]
    public void Recovers_its_definition_count_and_bounds_and_once_deleted_stays_deleted_after_a_restart()
    {
        var pool = Sys.ActorOf(Pool(Sys, "web", CreateTestProbe().Ref));
        pool.Tell(new CreatePool(Web), TestActor);
        ExpectMsg<PoolStatus>();
        pool.Tell(new SetAutoscaling("web", new PoolAutoscaling(1, 5)), TestActor);
        ExpectMsg<PoolStatus>();
        pool.Tell(new ScalePool("web", 4), TestActor);
        ExpectMsg<PoolStatus>();
        Stopped(Sys, pool);

        var second = Restart();
        pool = second.ActorOf(Pool(second, "web", CreateTestProbe(second).Ref));
        pool.Tell(new GetPool("web"), TestActor);
        Assert.Equal(Web with { Desired = 4, Autoscaling = new PoolAutoscaling(1, 5) }, ExpectMsg<PoolStatus>().Definition);
        pool.Tell(new GrowPool("web", 2), TestActor);
        Assert.Contains("would grow to 6 children, past its max of 5", ExpectMsg<PoolRefused>().Reason);

        pool.Tell(new DeletePool("web"), TestActor);
        Assert.True(ExpectMsg<PoolStatus>().Deleting);
        // With no child to remove, its next round records it gone.
        AwaitCondition(() =>
        {
            pool.Tell(new GetPool("web"), TestActor);
            return ExpectMsg<object>() is PoolNotFound;
        }, TimeSpan.FromSeconds(20));
        Stopped(second, pool);

        var third = Restart();
        third.ActorOf(Pool(third, "web", CreateTestProbe(third).Ref)).Tell(new GetPool("web"), TestActor);
        ExpectMsg(new PoolNotFound("web"));
    }
}
