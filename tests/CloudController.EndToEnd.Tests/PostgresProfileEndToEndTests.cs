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
}
