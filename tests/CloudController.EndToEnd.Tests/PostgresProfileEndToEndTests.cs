using CloudController.Api.V1;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The postgres profile: a node whose journal, snapshots and read models live in PostgreSQL.</summary>
public class PostgresProfileEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_on_PostgreSQL_keeps_its_VMs_and_pools_across_a_restart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var node = await RunningNode.StartOnProfileAsync(output, "postgres",
            $"cloudcontroller.database.connection-string={postgres.ConnectionString}", "akka.remote.dot-netty.tcp.port=0",
            "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "pg-01", Data = { ["app.mode"] = "blue" } });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" });
        await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.0.0.0/24", Desired = 4 });
        await Eventually.True(async () => (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready == 4, "4 children");

        await node.RestartAsync();

        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
        Assert.Equal("Running", vm.State);
        Assert.Equal("blue", (await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = vm.Id })).Values["app.mode"]);
        Assert.Equal(4, (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready);
        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Any(v => v.Id == vm.Id), "the listing from PostgreSQL");
    }

    [Fact]
    public async Task Two_nodes_form_one_cluster_share_the_work_and_one_leaving_gracefully_loses_nothing()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var (portA, portB) = (FreePort.Next(), FreePort.Next());
        var seeds = $"akka.cluster.seed-nodes=[\"akka.ssl.tcp://cloudcontroller@127.0.0.1:{portA}\"]";
        var database = $"cloudcontroller.database.connection-string={postgres.ConnectionString}";
        await using var a = await RunningNode.StartOnProfileAsync(output, "postgres", database, $"akka.remote.dot-netty.tcp.port={portA}", seeds,
            "cloudcontroller.driver.simulated.hosts=3");
        var b = await a.JoinAsync(database, $"akka.remote.dot-netty.tcp.port={portB}", seeds, "cloudcontroller.driver.simulated.hosts=3");
        try
        {
            await Eventually.True(() => Task.FromResult(UpMembers(a) == 2 && UpMembers(b) == 2), "two members up", TimeSpan.FromSeconds(30));
            await a.AddUbuntuModelAsync();
            await b.WaitForHostsAsync(3);

            // Work asked of either node lands on entities wherever their shards live.
            var started = new List<ProvisionResponse>();
            for (var i = 0; i < 6; i++)
                started.Add(await (i % 2 == 0 ? a : b).Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"c-{i}" }));
            foreach (var s in started) Assert.Equal(TaskState.Succeeded, (await b.WatchToEndAsync(s.TaskId))[^1].State);
            await Eventually.True(async () => (await a.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count(v => v.State == "Running") == 6, "six VMs listed on a");
        }
        finally
        {
            // Leaves the cluster gracefully: its shards move to a.
            await b.DisposeAsync();
        }

        await Eventually.True(() => Task.FromResult(UpMembers(a) == 1), "b gone", TimeSpan.FromSeconds(30));
        var after = await a.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "after" });
        Assert.Equal(TaskState.Succeeded, (await a.WatchToEndAsync(after.TaskId, TimeSpan.FromSeconds(60)))[^1].State);
        Assert.Equal(7, (await Eventually.Get(async () =>
        {
            var vms = (await a.Vms.ListVmsAsync(new ListVmsRequest())).Vms;
            return vms.Count == 7 ? vms : null;
        }, "seven VMs")).Count);
    }

    private static int UpMembers(RunningNode node) =>
        Akka.Cluster.Cluster.Get(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Akka.Actor.ActorSystem>(node.Node.Services))
            .State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

}
