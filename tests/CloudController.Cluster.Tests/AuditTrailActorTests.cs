using Akka.Actor;
using CloudController.Cluster.Audit;
using CloudController.Domain.Audit;
using Xunit.Abstractions;
using static CloudController.Cluster.Audit.AuditProtocol;
using Record = CloudController.Cluster.Audit.AuditProtocol.Record;

namespace CloudController.Cluster.Tests;

public class AuditTrailActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static AuditEntry Entry(string caller, DateTimeOffset at) =>
        new(at, caller, "provisioner", "Vms/DeleteVm", ["id=vm-1"], AuditOutcome.Accepted, null, null);

    private static readonly AuditFilter All = new(null, null, null);

    [Fact]
    public void The_trail_keeps_at_most_its_bound_forgets_what_is_past_the_retention_and_recovers_from_its_snapshot()
    {
        var settings = new AuditSettings(TimeSpan.FromDays(1), MaxEntries: 5, SnapshotEvery: 3);
        var trail = Sys.ActorOf(AuditTrailActor.Props(settings));
        var now = DateTimeOffset.UtcNow;
        trail.Tell(new Record(Entry("old", now.AddDays(-2))));
        for (var i = 0; i < 7; i++) trail.Tell(new Record(Entry($"u{i}", now)));

        trail.Tell(new List(null, All, 100));
        Assert.Equal(["u2", "u3", "u4", "u5", "u6"], ExpectMsg<Entries>().Items.Select(e => e.Caller));

        // A restarted node's trail is the same, recovered from a snapshot and the few events after it.
        Watch(trail);
        Sys.Stop(trail);
        ExpectTerminated(trail);
        var recovered = Restart().ActorOf(AuditTrailActor.Props(settings));
        recovered.Tell(new List(null, All, 100), TestActor);
        Assert.Equal(["u2", "u3", "u4", "u5", "u6"], ExpectMsg<Entries>().Items.Select(e => e.Caller));
    }
}
