using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Networks of cooperating VMs: provisioned as one unit, their links rewritten to their new identities.</summary>
public class NetworkEndToEndTests(ITestOutputHelper output)
{
    private static ProvisionNetworkRequest Shop()
    {
        var request = new ProvisionNetworkRequest { Name = "shop", Domain = "corp.example.com", IpRange = "10.0.1.10-10.0.1.30" };
        request.Members.Add(new NetworkMemberRequest { Role = "web", Model = "ubuntu", Data = { ["app.backend"] = "http://${app.fqdn}:8080" } });
        request.Members.Add(new NetworkMemberRequest { Role = "app", Model = "ubuntu", Data = { ["app.db-url"] = "postgres://${db.ip}/shop" } });
        request.Members.Add(new NetworkMemberRequest { Role = "db", Model = "ubuntu" });
        return request;
    }

    private static Task<Network> SettledAsync(RunningNode node, string name, string phase) =>
        Eventually.Get(async () =>
        {
            var n = await node.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = name });
            return n.Phase == phase ? n : null;
        }, $"network {name} {phase}", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task A_network_comes_up_as_one_with_each_member_pointing_at_the_others_new_identity()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=3");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(3);

        await node.Provisioning.ProvisionNetworkAsync(Shop());
        var network = await SettledAsync(node, "shop", "Ready");

        var web = network.Members.Single(m => m.Role == "web");
        var db = network.Members.Single(m => m.Role == "db");
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = web.VmId });
        var channel = node.Fleet.Inspect(vm.HostId).VmsById[web.VmId].Data!;
        Assert.Equal("http://shop-app.corp.example.com:8080", channel.Values["app.backend"]);
        var app = network.Members.Single(m => m.Role == "app");
        var appVm = await node.Vms.GetVmAsync(new GetVmRequest { Id = app.VmId });
        Assert.Equal($"postgres://{db.Ip}/shop", node.Fleet.Inspect(appVm.HostId).VmsById[app.VmId].Data!.Values["app.db-url"]);
        Assert.Equal(3, network.Members.Select(m => m.Ip).Distinct().Count());
    }

    [Fact]
    public async Task When_one_member_fails_the_others_are_undone_and_nothing_of_the_network_is_left()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=3",
            "cloudcontroller.driver.simulated.latency.power-on=300ms");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(3);
        var before = node.Fleet.Fingerprint(includeBaseLayers: false);
        // One power-on fails: one member rolls back, the network undoes the other two (aborted or deleted).
        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn));

        var shop = Shop();
        shop.Owner = "team-a";
        await node.Provisioning.ProvisionNetworkAsync(shop);
        var network = await SettledAsync(node, "shop", "RolledBack");

        Assert.Contains("failed", network.Failure);
        Assert.Equal(before, node.Fleet.Fingerprint(includeBaseLayers: false));
        foreach (var m in network.Members)
            await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = m.VmId }));
        await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.All(h => h.Allocated.MemoryMib == 0 && h.ReservationCount == 0),
            "every host's capacity back");
        await Eventually.True(async () => (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" })).Usage.Vms == 0, "the owner's quota given back");
    }
}
