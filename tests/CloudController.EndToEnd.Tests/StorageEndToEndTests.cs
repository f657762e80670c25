using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Storage pools: allocations made with placement, re-shared as VMs come, go and write, released on delete.</summary>
public class StorageEndToEndTests(ITestOutputHelper output)
{
    private static async Task<RunningNode> StartAsync(ITestOutputHelper output, string policy)
    {
        var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        var pool = new StoragePool { Id = "apps", Policy = policy };
        pool.Datastores.Add(new StorageDatastore { Id = "san-01", Kind = "shared", Media = "ssd", CapacityGib = 200 });
        await node.Storage.DefinePoolAsync(pool);
        return node;
    }

    private static async Task<string> ProvisionAsync(RunningNode node, string hostname, TaskState expected = TaskState.Succeeded)
    {
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = hostname, StoragePool = "apps" });
        var end = (await node.WatchToEndAsync(started.TaskId))[^1];
        Assert.Equal(expected, end.State);
        return started.VmId;
    }

    private static async Task<Dictionary<string, long>> SharesAsync(RunningNode node) =>
        (await node.Storage.ListAllocationsAsync(new ListAllocationsRequest { PoolId = "apps" })).Allocations.ToDictionary(a => a.VmId, a => a.Gib);

    [Fact]
    public async Task VMs_share_a_pool_equally_a_VM_that_cannot_fit_is_not_placed_and_a_deleted_VM_returns_its_share()
    {
        await using var node = await StartAsync(output, "equal");
        // The ubuntu image (10 GiB) is on the datastore once: 190 GiB are shared out.
        var a = await ProvisionAsync(node, "a");
        Assert.Equal(190, (await SharesAsync(node))[a]);
        // Its disk went straight onto the datastore the pool allocated.
        var vmA = await node.Vms.GetVmAsync(new GetVmRequest { Id = a });
        Assert.Equal("san-01", node.Fleet.Inspect(vmA.HostId).Disks.Layers[$"{a}-disk"].Datastore);
        var b = await ProvisionAsync(node, "b");
        var c = await ProvisionAsync(node, "c");
        var shares = await SharesAsync(node);
        Assert.Equal([63L, 63, 64], shares.Values.Order());

        // Each VM needs its 40 GiB disk: a fifth would leave each 38.
        var d = await ProvisionAsync(node, "d");
        var refused = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "e", StoragePool = "apps" });
        var end = (await node.WatchToEndAsync(refused.TaskId))[^1];
        Assert.Equal(TaskState.Failed, end.State);
        Assert.Contains("storage: no datastore of pool apps", string.Join("\n", end.History.Select(h => h.Message)));
        Assert.Equal(4, (await SharesAsync(node)).Count);

        var deleted = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = d });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(deleted.TaskId))[^1].State);
        Assert.Equal([63L, 63, 64], (await SharesAsync(node)).Values.Order());
        var changes = await node.Storage.ListChangesAsync(new ListAllocationChangesRequest());
        Assert.Contains(changes.Changes, ch => ch.VmId == d && ch.Why == "released");
        Assert.Contains(changes.Changes, ch => ch.VmId == a && ch.FromGib == 190);
    }

    [Fact]
    public async Task A_dynamic_pool_grows_the_VM_that_writes_and_never_shrinks_one_below_what_it_holds()
    {
        await using var node = await StartAsync(output, "dynamic");
        var writer = await ProvisionAsync(node, "writer");
        var idle = await ProvisionAsync(node, "idle");
        await node.Storage.RebalanceAsync(new RebalanceStorageRequest { PoolId = "apps" }); // first look: nothing written yet
        var host = (await node.Vms.GetVmAsync(new GetVmRequest { Id = writer })).HostId;

        node.Fleet.Write(host, writer, 30);
        var rebalanced = await node.Storage.RebalanceAsync(new RebalanceStorageRequest { PoolId = "apps" });
        Assert.True(rebalanced.Changed > 0);
        var shares = await SharesAsync(node);
        Assert.True(shares[writer] > shares[idle], $"writer {shares[writer]} GiB, idle {shares[idle]} GiB");
        Assert.True(shares[writer] + shares[idle] <= 190);
        Assert.True(shares[idle] >= 40);
    }

    [Fact]
    public async Task A_bad_pool_definition_names_each_field()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var pool = new StoragePool { Id = "Bad", Policy = "sideways", OvercommitRatio = 9 };
        pool.Datastores.Add(new StorageDatastore { Id = "d", Kind = "local", CapacityGib = 0 });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Storage.DefinePoolAsync(pool));
        Assert.Contains("policy", error.Status.Detail);
        pool.Policy = "equal";
        error = await Assert.ThrowsAsync<RpcException>(async () => await node.Storage.DefinePoolAsync(pool));
        foreach (var field in new[] { "id", "datastores[0].capacityGib", "datastores[0].hostId", "overcommitRatio" }) Assert.Contains(field, error.Status.Detail);
    }
}
