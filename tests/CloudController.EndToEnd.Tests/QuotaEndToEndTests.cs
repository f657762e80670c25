using CloudController.Api.V1;
using CloudController.Cli;
using Grpc.Core;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Quotas per owner, held against concurrent requests: racing requests cannot both take the last unit.</summary>
public class QuotaEndToEndTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, params string[] args)
    {
        var console = new TestConsole().Width(200);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    [Fact]
    public async Task Twenty_concurrent_requests_against_a_quota_of_ten_exactly_ten_succeed_and_a_deletion_gives_one_back()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        var set = await Ccm(node, "quota", "set", "team-a", "--vms", "10", "--reason", "trial");
        Assert.True(set.Exit == 0, set.Err);
        Assert.Contains("quota of team-a", set.Out);

        var results = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            try
            {
                return (await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"race-{i:00}", Owner = "team-a" })).VmId;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.StartsWith("quota vms of team-a exceeded: 10 in use + 1 requested > limit 10", e.Status.Detail);
                return null;
            }
        }));
        var started = results.OfType<string>().ToList();
        Assert.Equal(10, started.Count);

        var quota = await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" });
        Assert.Equal((10, 10), (quota.Usage.Vms, quota.VmsLimit));
        var refused = await Ccm(node, "vm", "create", "--model", "ubuntu", "--hostname", "one-more", "--owner", "team-a");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("Over quota: quota vms of team-a exceeded", refused.Err);

        // A deletion gives its VM's claim back once it has succeeded; another owner was never limited.
        await Eventually.True(async () => (await node.Provisioning.ListTasksAsync(new ListTasksRequest { State = "Succeeded" })).Tasks.Count == 10, "the ten provisioned");
        Assert.Equal(0, (await Ccm(node, "vm", "delete", started[0], "--wait")).Exit);
        await Eventually.True(async () => (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" })).Usage.Vms == 9, "the claim given back");
        Assert.Equal(0, (await Ccm(node, "vm", "create", "--model", "ubuntu", "--hostname", "one-more", "--owner", "team-a", "--wait")).Exit);
        Assert.Equal(0, (await Ccm(node, "vm", "create", "--model", "ubuntu", "--hostname", "other-01", "--owner", "team-b")).Exit);

        var shown = await Ccm(node, "quota", "show", "--user", "team-a");
        Assert.Equal(0, shown.Exit);
        Assert.Contains("vms", shown.Out);
        Assert.Contains("10", shown.Out);
        var bad = await Ccm(node, "quota", "show");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--user alice", bad.Err);
    }

    [Fact]
    public async Task Twenty_pools_scaled_at_once_against_a_quota_of_ten_children_exactly_ten_grow_and_a_deleted_pool_gives_its_children_back()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "web-tpl", Model = "ubuntu" });
        Assert.Equal(0, (await Ccm(node, "quota", "set", "team-a", "--vms", "10", "--reason", "trial")).Exit);
        foreach (var i in Enumerable.Range(1, 20))
            await node.Pools.CreatePoolAsync(new CreatePoolRequest
            {
                Name = $"p{i:00}", Template = "web-tpl", NamePattern = $"p{i:00}-{{n:00}}", IpRange = $"10.{i}.0.0/24", Domain = "corp.example.com",
                Desired = 0, Owner = "team-a",
            });

        var grown = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            try
            {
                await node.Pools.ScalePoolAsync(new ScalePoolRequest { Name = $"p{i:00}", Desired = 1 });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.StartsWith("quota vms of team-a exceeded: 10 in use + 1 requested > limit 10", e.Status.Detail);
                return false;
            }
        }));
        Assert.Equal(10, grown.Count(g => g));
        Assert.Equal(10, (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" })).Usage.Vms);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await node.Pools.CreatePoolAsync(new CreatePoolRequest
        {
            Name = "p21", Template = "web-tpl", NamePattern = "p21-{n:00}", IpRange = "10.21.0.0/24", Domain = "corp.example.com", Desired = 1, Owner = "team-a",
        }));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);

        var full = Enumerable.Range(1, 20).First(i => grown[i - 1]);
        var empty = Enumerable.Range(1, 20).First(i => !grown[i - 1]);
        await node.Pools.DeletePoolAsync(new DeletePoolRequest { Name = $"p{full:00}" });
        await Eventually.True(async () => (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" })).Usage.Vms == 9, "the deleted pool's child given back");
        await node.Pools.ScalePoolAsync(new ScalePoolRequest { Name = $"p{empty:00}", Desired = 1 });
    }

    private static ProvisionNetworkRequest Shop(int i)
    {
        var request = new ProvisionNetworkRequest { Name = $"shop{i:00}", Domain = "corp.example.com", IpRange = $"10.0.{i}.10-10.0.{i}.30", Owner = "team-a" };
        foreach (var role in new[] { "web", "app", "db" }) request.Members.Add(new NetworkMemberRequest { Role = role, Model = "ubuntu" });
        return request;
    }

    private static async Task<int> UsedVmsAsync(RunningNode node) => (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = "team-a" })).Usage.Vms;

    [Fact]
    public async Task Eight_networks_of_three_at_once_against_a_quota_of_ten_exactly_three_are_made_and_the_refused_leave_no_vm()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        Assert.Equal(0, (await Ccm(node, "quota", "set", "team-a", "--vms", "10", "--reason", "trial")).Exit);

        var made = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await node.Provisioning.ProvisionNetworkAsync(Shop(i));
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.StartsWith("quota vms of team-a exceeded: 9 in use + 3 requested > limit 10", e.Status.Detail);
                return false;
            }
        }));
        Assert.Equal(3, made.Count(m => m));
        Assert.Equal(9, await UsedVmsAsync(node));

        // A refused network was never made and made no VM: only the three networks' nine members exist.
        var winners = Enumerable.Range(1, 8).Where(i => made[i - 1]).ToList();
        foreach (var i in Enumerable.Range(1, 8).Where(i => !made[i - 1]))
        {
            var missing = await Assert.ThrowsAsync<RpcException>(async () => await node.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = $"shop{i:00}" }));
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        }
        var members = new List<string>();
        foreach (var i in winners)
        {
            var network = await Eventually.Get(async () =>
            {
                var n = await node.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = $"shop{i:00}" });
                return n.Phase == "Ready" ? n : null;
            }, $"network shop{i:00} ready", TimeSpan.FromSeconds(60));
            members.AddRange(network.Members.Select(m => m.VmId));
        }
        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => v.Id).Order().SequenceEqual(members.Order()),
            "only the three networks' members listed");
        Assert.Equal(9, await UsedVmsAsync(node));
        var file = Path.Combine(Path.GetTempPath(), $"network-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, Google.Protobuf.JsonFormatter.Default.Format(Shop(9)));
        var refused = await Ccm(node, "network", "create", "--file", file);
        File.Delete(file);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("Over quota: quota vms of team-a exceeded: 9 in use + 3 requested > limit 10", refused.Err);

        // A member deleted gives back its own claim.
        Assert.Equal(0, (await Ccm(node, "vm", "delete", members[0], "--wait")).Exit);
        await Eventually.True(async () => await UsedVmsAsync(node) == 8, "the deleted member's claim given back");
    }
}
