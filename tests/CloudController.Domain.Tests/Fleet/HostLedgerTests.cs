using CloudController.Domain.Fleet;
using CsCheck;

namespace CloudController.Domain.Tests.Fleet;

public class HostLedgerTests
{
    private static readonly DateTimeOffset Lease = DateTimeOffset.UnixEpoch.AddHours(1);
    private static readonly HostLedger Registered =
        HostLedger.Empty.Apply(new HostRegistered(new HostInventory("h", "general", new Resources(8, 16384, 500), [])));

    private static HostLedger Do(HostLedger ledger, Decision decision) =>
        decision.Event is { } e ? ledger.Apply(e) : ledger;

    [Fact]
    public void Reserving_is_idempotent_for_the_same_task_and_refused_beyond_capacity_or_off_state()
    {
        var amount = new Resources(4, 8192, 100);
        var ledger = Do(Registered, Registered.Reserve("t1", amount, Lease));
        Assert.Same(Decision.AlreadyDone, ledger.Reserve("t1", amount, Lease));
        Assert.Contains("already holds", ledger.Reserve("t1", amount with { CpuCores = 1 }, Lease).Refusal);
        Assert.Contains("only 4 vCPU, 8192 MiB, 400 GiB free", ledger.Reserve("t2", new Resources(5, 1, 1), Lease).Refusal);
        Assert.Contains("not registered", HostLedger.Empty.Reserve("t", amount, Lease).Refusal);
        var draining = ledger.Apply(new HostStateChanged(HostState.Draining, "operator"));
        Assert.Contains("draining", draining.Reserve("t3", new Resources(1, 1, 1), Lease).Refusal);
    }

    [Fact]
    public void Committing_turns_a_reservation_into_the_VMs_allocation_and_releasing_it_frees_it()
    {
        var amount = new Resources(2, 4096, 40);
        var ledger = Do(Registered, Registered.Reserve("t1", amount, Lease));
        ledger = Do(ledger, ledger.Commit("t1", "vm-1"));
        Assert.Equal(amount, ledger.Allocated);
        Assert.Equal(Resources.Zero, ledger.Reserved);
        Assert.Same(Decision.AlreadyDone, ledger.Commit("t1", "vm-1"));
        Assert.True(ledger.Commit("t9", "vm-9").IsRefused);

        ledger = Do(ledger, ledger.ReleaseAllocation("vm-1"));
        Assert.Equal(Registered.Free, ledger.Free);
        Assert.Same(Decision.AlreadyDone, ledger.ReleaseAllocation("vm-1"));
        Assert.Same(Decision.AlreadyDone, ledger.Release("t1", "again"));
    }

    [Fact]
    public void Expired_leases_are_found_and_renewing_moves_them()
    {
        var now = DateTimeOffset.UnixEpoch;
        var ledger = Do(Registered, Registered.Reserve("old", new Resources(1, 1, 1), now.AddMinutes(-1)));
        ledger = Do(ledger, ledger.Reserve("new", new Resources(1, 1, 1), now.AddMinutes(5)));
        Assert.Equal(["old"], ledger.ExpiredAt(now).Select(r => r.TaskId));

        ledger = Do(ledger, ledger.RenewLease("old", now.AddMinutes(10)));
        Assert.Empty(ledger.ExpiredAt(now));
        Assert.True(ledger.RenewLease("gone", now).IsRefused);
    }

    [Fact]
    public void Usage_always_equals_the_live_reservations_and_allocations_and_never_exceeds_capacity()
    {
        // Operations: 0 reserve, 1 release, 2 commit, 3 release allocation; on one of 6 tasks; of a random size.
        var operation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 5], Gen.Int[1, 4], Gen.Int[256, 8192], Gen.Int[1, 200]);
        operation.List[1, 60].Sample(operations =>
        {
            var ledger = Registered;
            var reserved = new Dictionary<string, Resources>();
            var allocated = new Dictionary<string, Resources>();
            foreach (var (kind, task, cores, memory, disk) in operations)
            {
                var taskId = $"t{task}";
                var vmId = $"vm{task}";
                var decision = kind switch
                {
                    0 => ledger.Reserve(taskId, new Resources(cores, memory, disk), Lease),
                    1 => ledger.Release(taskId, "test"),
                    2 => ledger.Commit(taskId, vmId),
                    _ => ledger.ReleaseAllocation(vmId),
                };
                if (decision.Event is { } e)
                {
                    switch (e)
                    {
                        case CapacityReserved r: reserved[r.TaskId] = r.Amount; break;
                        case ReservationReleased r: reserved.Remove(r.TaskId); break;
                        case ReservationCommitted c: allocated[c.VmId] = reserved[c.TaskId]; reserved.Remove(c.TaskId); break;
                        case AllocationReleased a: allocated.Remove(a.VmId); break;
                    }
                    ledger = ledger.Apply(e);
                }
                Assert.Equal(Resources.Sum(reserved.Values), ledger.Reserved);
                Assert.Equal(Resources.Sum(allocated.Values), ledger.Allocated);
                Assert.True((ledger.Reserved + ledger.Allocated).FitsWithin(ledger.Capacity), "never over capacity");
            }
        });
    }

    [Fact]
    public void A_batch_allocation_is_all_or_none_skips_what_is_held_and_releases_in_one_event()
    {
        var each = new Resources(1, 1024, 10);
        var ledger = Do(Registered, Registered.AllocateMany("web", ["c1", "c2", "c3"], each));
        Assert.Equal(new Resources(3, 3072, 30), ledger.Allocated);
        Assert.Same(Decision.AlreadyDone, ledger.AllocateMany("web", ["c1", "c3"], each));
        Assert.Equal(new CapacityAllocated("web", ["c4"], each).VmIds.ToArray(),
            ((CapacityAllocated)ledger.AllocateMany("web", ["c3", "c4"], each).Event!).VmIds.ToArray());
        Assert.Contains("6 x 1 vCPU, 1024 MiB, 10 GiB does not fit", ledger.AllocateMany("web", ["a", "b", "c", "d", "e", "f"], each).Refusal);
        Assert.Contains("web", ledger.Groups);

        ledger = Do(ledger, ledger.ReleaseMany(["c1", "c2", "gone"]));
        Assert.Equal(each, ledger.Allocated);
        Assert.Same(Decision.AlreadyDone, ledger.ReleaseMany(["c1"]));
    }
}
