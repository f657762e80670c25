using Akka.Actor;
using CloudController.Cluster.ReadModels;
using CloudController.Cluster.Vms;
using CloudController.Domain;
using CloudController.Domain.Vms;
using Xunit.Abstractions;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Tests;

public class ProjectionCatchUpTests(ITestOutputHelper output) : EntityTestKit(output)
{
    [Fact]
    public void A_query_asked_the_moment_a_node_starts_is_answered_from_everything_journaled_before()
    {
        for (var i = 0; i < 50; i++)
        {
            var id = $"vm-{i}";
            Sys.ActorOf(VmActor.Props(id, VmActorTests.Channel)).Tell(new CreateVm(new VmRecord(id, $"web-{i}", "ubuntu", new Resources(1, 1024, 10),
                VmState.Provisioning, null, $"{id}-disk", "task-1", DateTimeOffset.UnixEpoch.AddSeconds(i))), TestActor);
            // The first write also opens and initializes the journal, which takes seconds on a loaded machine.
            ExpectMsg<VmApplied>(TimeSpan.FromSeconds(20));
        }

        // A new node: its directory is asked before it can have read the journal, and must not answer "no VMs".
        var directory = Restart().ActorOf(ProjectionActor<VmDirectory>.Props(new VmDirectory()));
        directory.Tell(new ProjectionQuery<VmDirectory>(d => d.List(null).Count), TestActor);
        Assert.Equal(50, ExpectMsg<int>(TimeSpan.FromSeconds(10)));
    }
}
