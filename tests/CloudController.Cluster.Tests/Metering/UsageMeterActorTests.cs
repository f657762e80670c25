using Akka.Actor;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Metering;
using CloudController.Cluster.ReadModels;
using CloudController.Domain;
using CloudController.Domain.Vms;
using Xunit.Abstractions;
using static CloudController.Cluster.Metering.UsageMeterProtocol;

namespace CloudController.Cluster.Tests.Metering;

public class UsageMeterActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly DateTimeOffset HourAgo = DateTimeOffset.UtcNow.AddHours(-1);
    private static readonly Resources Medium = new(2, 4096, 40);

    private static Fold Created(string vmId, VmState state, string owner) =>
        new(vmId, new VmRecordCreated(new VmRecord(vmId, vmId, "web", Medium, state, "hv-1", $"{vmId}-disk", "task-1", HourAgo, Owner: owner)));

    private IActorRef Meter(ActorSystem system, IActorRef vmDirectory, int snapshotEvery = 200)
    {
        var defaults = ControllerSettings.FromConfig(Journal.Config());
        var settings = defaults with
        {
            Usage = defaults.Usage with { SampleInterval = TimeSpan.FromMilliseconds(200) },
            Entities = defaults.Entities with { SnapshotEvery = snapshotEvery },
        };
        var pools = system.ActorOf(FoldedProjection<PoolDirectory>.Props(new PoolDirectory()));
        // No pool is listed or open, so neither the pools nor the replica maps are asked.
        var observer = new UsageObserver(vmDirectory, pools, ActorRefs.Nobody, ActorRefs.Nobody, TimeSpan.FromMilliseconds(500));
        return system.ActorOf(UsageMeterActor.Props(observer, settings));
    }

    private UsageReport ReportOnceSampled(IActorRef meter, Func<UsageReport, bool> until)
    {
        UsageReport? report = null;
        // The first answer waits for the journal, which a loaded machine can take seconds to open.
        AwaitCondition(() =>
        {
            meter.Tell(new GetUsage(HourAgo.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)), TestActor);
            report = ExpectMsg<UsageReport>();
            return report.SampledAt is not null && until(report);
        }, TimeSpan.FromSeconds(20));
        return report!;
    }

    [Fact]
    public void Meters_a_running_VM_from_its_creation_until_the_sample_that_no_longer_sees_it_and_never_one_still_provisioning()
    {
        var vms = Sys.ActorOf(FoldedProjection<VmDirectory>.Props(new VmDirectory(),
            Created("vm-1", VmState.Running, "alice"), Created("vm-2", VmState.Provisioning, "bob")));
        var meter = Meter(Sys, vms);

        var held = Assert.Single(ReportOnceSampled(meter, r => r.Rows.Length > 0).Rows);
        Assert.Equal(("alice", 1, 1, Medium), (held.Owner, held.VmsStarted, held.VmsHeld, held.Held));
        Assert.InRange(held.VmHours, 0.99, 1.01);

        vms.Tell(new Fold("vm-1", new VmRecordRemoved("deleted")));
        var ended = Assert.Single(ReportOnceSampled(meter, r => r.Rows[0].VmsHeld == 0).Rows);
        Assert.Equal(("alice", 1), (ended.Owner, ended.VmsStarted));
        Assert.InRange(ended.VmHours, 0.99, 1.01);
        Assert.InRange(ended.CoreHours, 1.98, 2.02);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public async Task Recovers_its_ledger_from_the_journal_or_its_snapshot_before_any_new_sample(int snapshotEvery)
    {
        var vms = Sys.ActorOf(FoldedProjection<VmDirectory>.Props(new VmDirectory(),
            Created("vm-1", VmState.Running, "alice"), Created("vm-2", VmState.Running, "alice")));
        var meter = Meter(Sys, vms, snapshotEvery);
        ReportOnceSampled(meter, r => r.Rows.Length > 0);
        vms.Tell(new Fold("vm-2", new VmRecordRemoved("deleted")));
        ReportOnceSampled(meter, r => r.Rows[0].VmsHeld == 1);
        Watch(meter);
        Sys.Stop(meter);
        ExpectTerminated(meter);

        // Its VM directory never answers there: whatever it reports, it recovered.
        var restarted = Meter(Restart(), ActorRefs.Nobody, snapshotEvery);
        var report = await restarted.Ask<UsageReport>(new GetUsage(HourAgo.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)), TimeSpan.FromSeconds(20));
        Assert.Null(report.SampledAt);
        var alice = Assert.Single(report.Rows);
        Assert.Equal(("alice", 2, 1), (alice.Owner, alice.VmsStarted, alice.VmsHeld));
        Assert.InRange(alice.VmHours, 1.98, 2.02);
    }
}
