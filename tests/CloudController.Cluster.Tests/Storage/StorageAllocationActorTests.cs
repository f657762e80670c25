using Akka.Actor;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Storage;
using CloudController.Domain.Storage;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;
using static CloudController.Cluster.Storage.StorageProtocol;

namespace CloudController.Cluster.Tests.Storage;

public class StorageAllocationActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly StoragePool Apps = new("apps", [new Datastore("san-01", DatastoreKind.Shared, StorageMedia.Ssd, 100)], AllocationPolicy.Equal);

    private IActorRef Table(ActorSystem system) =>
        system.ActorOf(StorageAllocationActor.Props(new SimulatedDriver(new SimulatedFleet(new SimulatedFleetOptions())),
            ControllerSettings.FromConfig(Journal.Config()) with { Storage = new StorageSettings(TimeSpan.Zero) }));

    [Fact]
    public void Allocates_a_VM_once_and_refuses_a_second_pool_an_unknown_pool_and_a_datastore_dropped_while_it_holds_allocations()
    {
        var table = Table(Sys);
        table.Tell(new DefinePool(Apps), TestActor);
        ExpectMsg<StorageApplied>();

        table.Tell(new Allocate("apps", "hv-1", new StorageMember("vm-1", 10), "ubuntu", 10), TestActor);
        var held = ExpectMsg<StorageApplied>().Allocation!;
        Assert.Equal(("san-01", 90L), (held.DatastoreId, held.Gib));
        table.Tell(new Allocate("apps", "hv-1", new StorageMember("vm-1", 10), "ubuntu", 10), TestActor);
        Assert.Equal(held, ExpectMsg<StorageApplied>().Allocation);

        table.Tell(new Allocate("nope", "hv-1", new StorageMember("vm-2", 10), null, 0), TestActor);
        Assert.Equal("there is no storage pool 'nope'", ExpectMsg<StorageRefused>().Reason);
        table.Tell(new DefinePool(Apps with { Id = "other" }), TestActor);
        ExpectMsg<StorageApplied>();
        table.Tell(new Allocate("other", "hv-1", new StorageMember("vm-1", 10), null, 0), TestActor);
        Assert.Equal("VM vm-1 already draws on pool apps", ExpectMsg<StorageRefused>().Reason);
        table.Tell(new DefinePool(Apps with { Datastores = [new Datastore("san-02", DatastoreKind.Shared, StorageMedia.Ssd, 100)] }), TestActor);
        Assert.Contains("datastores san-01 still hold allocations", ExpectMsg<StorageRefused>().Reason);
    }

    [Fact]
    public void Recovers_its_table_from_the_journal_and_a_release_after_the_restart_stays_released()
    {
        var table = Table(Sys);
        table.Tell(new DefinePool(Apps), TestActor);
        ExpectMsg<StorageApplied>();
        foreach (var vm in new[] { "vm-1", "vm-2" })
        {
            table.Tell(new Allocate("apps", "hv-1", new StorageMember(vm, 10), "ubuntu", 10), TestActor);
            ExpectMsg<StorageApplied>();
        }

        var restarted = Table(Restart());
        restarted.Tell(new GetTable(), TestActor);
        var recovered = ExpectMsg<TableStatus>().Table;
        Assert.Equal(Apps, recovered.Pools["apps"]);
        Assert.Equal([45L, 45], recovered.Allocations.Values.Select(a => a.Gib));

        restarted.Tell(new Release("vm-1"), TestActor);
        ExpectMsg<StorageApplied>();
        Table(Restart()).Tell(new GetTable(), TestActor);
        var after = ExpectMsg<TableStatus>().Table;
        Assert.Equal(["vm-2"], after.Allocations.Keys);
        Assert.Equal(90, after.Allocations["vm-2"].Gib);
        Assert.Contains(after.Changes, c => c.VmId == "vm-1" && c.Why == "released");
    }
}
