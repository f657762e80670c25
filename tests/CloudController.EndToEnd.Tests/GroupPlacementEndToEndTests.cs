using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

public class GroupPlacementEndToEndTests(ITestOutputHelper output)
{
    private static async Task<Vm> ProvisionAsync(RunningNode node, string hostname, string group, string policy)
    {
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = hostname, Group = group, GroupPolicy = policy });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        return await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
    }

    [Fact]
    public async Task Anti_affinity_puts_each_member_on_its_own_host_and_refuses_one_too_many_with_the_reason()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=3");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(3);

        var hosts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            hosts.Add((await ProvisionAsync(node, $"web-{i}", "web", "anti-affinity")).HostId);
            // The next placement must see this member: wait until the fleet view does.
            await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count(h => h.Groups.Contains("web")) == i + 1, "the group in the fleet view");
        }
        Assert.Equal(3, hosts.Distinct().Count());

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-3", Group = "web", GroupPolicy = "anti-affinity" }));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("3 already run a VM of group web", refused.Status.Detail);
    }

    [Fact]
    public async Task Affinity_keeps_a_group_together()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=3");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(3);

        var first = await ProvisionAsync(node, "cache-0", "cache", "affinity");
        await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Any(h => h.Groups.Contains("cache")), "the group in the fleet view");
        var second = await ProvisionAsync(node, "cache-1", "cache", "affinity");
        Assert.Equal(first.HostId, second.HostId);
        Assert.Equal("cache", second.Group);

        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "x", GroupPolicy = "sideways" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }
}
