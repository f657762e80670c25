using System.Collections.Immutable;
using CloudController.Domain.Storage;
using CsCheck;

namespace CloudController.Domain.Tests.Storage;

public class AllocationTableTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static readonly StoragePool Pool = new("web", [
        new Datastore("local-a", DatastoreKind.Local, StorageMedia.Ssd, 100, "host-a"),
        new Datastore("shared", DatastoreKind.Shared, StorageMedia.Hdd, 200),
    ], AllocationPolicy.Equal);

    private static AllocationTable Apply(AllocationTable table, Decision decision) => decision.Event is { } e ? table.Apply(e) : table;

    private static AllocationTable Defined => Apply(AllocationTable.Empty, AllocationTable.Empty.DefinePool(Pool));

    [Fact]
    public void A_VM_goes_where_its_share_is_largest_among_reachable_datastores_and_the_others_are_reshared()
    {
        var table = Apply(Defined, Defined.Allocate("web", "host-a", new("vm-1", 20), null, 0, Now));
        Assert.Equal(("shared", 200L), (table.Allocations["vm-1"].DatastoreId, table.Allocations["vm-1"].Gib));
        table = Apply(table, table.Allocate("web", "host-a", new("vm-2", 20), null, 0, Now));
        Assert.Equal(("local-a", 100L), (table.Allocations["vm-2"].DatastoreId, table.Allocations["vm-2"].Gib));
        table = Apply(table, table.Allocate("web", "host-b", new("vm-3", 20), null, 0, Now)); // only the shared one reaches host-b
        Assert.Equal("shared", table.Allocations["vm-3"].DatastoreId);
        Assert.Equal(100, table.Allocations["vm-1"].Gib);
        Assert.Contains(table.Changes, c => c.VmId == "vm-1" && c.FromGib == 200 && c.ToGib == 100);
    }

    [Fact]
    public void Releasing_returns_the_share_to_the_others_and_is_idempotent()
    {
        var table = Apply(Defined, Defined.Allocate("web", "host-b", new("vm-1", 20), null, 0, Now));
        table = Apply(table, table.Allocate("web", "host-b", new("vm-2", 20), null, 0, Now));
        table = Apply(table, table.Release("vm-1", Now));
        Assert.Equal(200, table.Allocations["vm-2"].Gib);
        Assert.Same(Decision.AlreadyDone, table.Release("vm-1", Now));
        Assert.Equal("released", table.Changes.Single(c => c.VmId == "vm-1" && c.ToGib == 0).Why);
    }

    [Fact]
    public void A_base_image_counts_once_per_datastore_however_many_VMs_are_layered_on_it()
    {
        var table = Apply(Defined, Defined.Allocate("web", "host-b", new("vm-1", 10), "ubuntu", 40, Now));
        Assert.Equal(160, table.Allocations["vm-1"].Gib);
        table = Apply(table, table.Allocate("web", "host-b", new("vm-2", 10), "ubuntu", 40, Now));
        Assert.Equal(160, table.Allocations.Values.Sum(a => a.Gib)); // still one copy of the image taken off
        table = Apply(table, table.Allocate("web", "host-b", new("vm-3", 10), "debian", 20, Now));
        Assert.Equal(140, table.Allocations.Values.Sum(a => a.Gib));
    }

    [Fact]
    public void Refusals_say_why_and_a_pool_keeps_datastores_that_hold_allocations()
    {
        var table = Apply(Defined, Defined.Allocate("web", "host-b", new("vm-1", 150), null, 0, Now));
        Assert.Contains("can give vm-2 the 60 GiB", table.Allocate("web", "host-b", new("vm-2", 60), null, 0, Now).Refusal);
        Assert.Contains("no storage pool 'nope'", table.Allocate("nope", "host-b", new("vm-9", 1), null, 0, Now).Refusal);
        Assert.Contains("still hold allocations", table.DefinePool(Pool with { Datastores = [Pool.Datastores[0]] }).Refusal);
        Assert.Null(table.CannotHost("web", "host-a", new("vm-3", 50), null, 0));
    }

    [Fact]
    public void Rebalancing_by_activity_grows_writers_and_never_shrinks_below_use()
    {
        var dynamic = Pool with { Policy = AllocationPolicy.Dynamic };
        var table = Apply(AllocationTable.Empty, AllocationTable.Empty.DefinePool(dynamic));
        table = Apply(table, table.Allocate("web", "host-b", new("writer", 10), null, 0, Now));
        table = Apply(table, table.Allocate("web", "host-b", new("idle", 10), null, 0, Now));
        Assert.Equal(100, table.Allocations["writer"].Gib);

        table = Apply(table, table.Rebalance("shared", new Dictionary<string, (long, double)> { ["writer"] = (40, 1.0), ["idle"] = (45, 0) }, Now));
        Assert.Equal(45, table.Allocations["idle"].Gib);
        Assert.Equal(155, table.Allocations["writer"].Gib);
        Assert.Contains(table.Changes, c => c.Why == "rebalanced by measured use");
    }

    [Fact]
    public void A_pool_measured_shares_by_what_each_VM_wrote_since_the_last_measurement_and_an_unmeasured_VM_keeps_its_share()
    {
        var dynamic = Pool with { Policy = AllocationPolicy.Dynamic };
        var table = Apply(AllocationTable.Empty, AllocationTable.Empty.DefinePool(dynamic));
        table = Apply(table, table.Allocate("web", "host-b", new("writer", 10), null, 0, Now));
        table = Apply(table, table.Allocate("web", "host-b", new("idle", 10), null, 0, Now));

        // Both hold 40 GiB now, but only the writer wrote since last time: it is the active one.
        var (events, problems) = table.RebalancePool(
            "web", new Dictionary<string, long> { ["writer"] = 40, ["idle"] = 40 }, new Dictionary<string, long> { ["writer"] = 10, ["idle"] = 40 }, Now);

        Assert.Empty(problems);
        var rebalanced = Assert.IsType<StorageRebalanced>(Assert.Single(events));
        table = table.Apply(rebalanced);
        Assert.True(table.Allocations["writer"].Gib > table.Allocations["idle"].Gib);
        Assert.Equal(40, table.Allocations["idle"].Gib);

        // A host that does not answer: its VM is not measured and nothing about it changes.
        var (none, _) = table.RebalancePool("web", new Dictionary<string, long>(), new Dictionary<string, long>(), Now);
        Assert.Empty(none);
    }

    [Fact]
    public void Validation_names_each_field()
    {
        var bad = new StoragePool("Bad Pool", [new Datastore("d", DatastoreKind.Local, StorageMedia.Ssd, 0), new Datastore("d", DatastoreKind.Shared, StorageMedia.Ssd, 5)],
            AllocationPolicy.Baseline, 9, 0, ImmutableDictionary<string, double>.Empty.Add("db", -1));
        Assert.Equal(["id", "datastores[0].capacityGib", "datastores[0].hostId", "datastores[1].id", "overcommitRatio", "baselineGib", "roleWeights[db]"],
            StoragePoolValidator.Validate(bad).Select(e => e.Field));
    }

    [Fact]
    public void The_table_never_overcommits_a_datastore_or_gives_a_VM_less_than_it_holds()
    {
        var operations = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 11], Gen.Int[1, 60], Gen.Double[0, 1], Gen.Int[0, 2]);
        Gen.Select(Gen.Enum<AllocationPolicy>(), Gen.Double[1, 2], operations.Array[1, 60]).Sample(sample =>
        {
            var (policy, overcommit, ops) = sample;
            var pool = Pool with { Policy = policy, OvercommitRatio = overcommit, BaselineGib = 15 };
            var table = Apply(AllocationTable.Empty, AllocationTable.Empty.DefinePool(pool));
            foreach (var (kind, vm, gib, activity, image) in ops)
            {
                var id = $"vm-{vm}";
                var decision = kind switch
                {
                    0 or 1 => table.Allocate("web", vm % 2 == 0 ? "host-a" : "host-b", new StorageMember(id, gib), image == 0 ? null : $"img-{image}", 15, Now),
                    2 => table.Release(id, Now),
                    _ => table.Allocations.TryGetValue(id, out var a)
                        ? table.Rebalance(a.DatastoreId, new Dictionary<string, (long, double)> { [id] = (gib, activity) }, Now)
                        : Decision.AlreadyDone,
                };
                table = Apply(table, decision);
                foreach (var datastore in pool.Datastores)
                {
                    var here = table.On(datastore.Id).ToList();
                    var used = here.Sum(a => a.Gib) + table.BaseImagesOn(datastore.Id).Values.Sum();
                    if (used > pool.AllowedGib(datastore)) return false;
                    if (here.Any(a => a.Gib < a.Member.UsedGib)) return false;
                }
            }
            return true;
        });
    }
}
