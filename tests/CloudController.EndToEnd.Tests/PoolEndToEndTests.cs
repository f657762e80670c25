using System.Diagnostics;
using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Instant clone: templates customized once per host, children forked from them in pools that reconcile.</summary>
public class PoolEndToEndTests(ITestOutputHelper output)
{
    private static async Task<RunningNode> StartAsync(ITestOutputHelper output, int hosts, params string[] settings)
    {
        var node = await RunningNode.StartAsync(output, [$"cloudcontroller.driver.simulated.hosts={hosts}", "cloudcontroller.pools.reconcile-interval=200ms", .. settings]);
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(hosts);
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest
        {
            Name = "web-tpl",
            Model = "ubuntu",
            Customizations =
            {
                new ParentCustomization { Name = "add-data-disk", Reboots = 2 },
                new ParentCustomization { Name = "redirect-profiles", Reboots = 1 },
            },
        });
        return node;
    }

    private static CreatePoolRequest Web(int desired, string name = "web", string ipRange = "10.0.0.0/16", string template = "web-tpl") => new()
    {
        Name = name, Template = template, NamePattern = name + "-{n:0000}", IpRange = ipRange, Domain = "corp.example.com", Desired = desired,
    };

    private static async Task<Pool> ReadyAsync(RunningNode node, string pool, int ready, TimeSpan? within = null)
    {
        Pool? last = null;
        try
        {
            return await Eventually.Get(async () =>
            {
                last = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = pool });
                return last.Ready == ready && last.Pending == 0 && last.Removing == 0 ? last : null;
            }, $"{ready} ready children in pool {pool}", within ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}", e);
        }
    }

    private static IEnumerable<(string Host, SimulatedVm Vm)> Children(RunningNode node) =>
        node.Fleet.HostIds.SelectMany(h => node.Fleet.Inspect(h).Vms.Where(v => v.ForkedFrom is not null).Select(v => (h, v)));

    [Fact]
    public async Task Children_fork_from_a_replica_customized_once_and_take_their_own_identity_without_a_reboot()
    {
        await using var node = await StartAsync(output, hosts: 3);
        await node.Pools.CreatePoolAsync(Web(30));
        await ReadyAsync(node, "web", 30);

        var pool = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
        var children = Children(node).ToList();
        Assert.Equal(30, children.Count);
        Assert.All(children, c =>
        {
            Assert.Equal(0, c.Vm.Boots); // forked: started from the parent's state, never booted
            Assert.Equal(VmPowerState.Running, c.Vm.PowerState);
            Assert.Equal(["add-data-disk", "redirect-profiles"], c.Vm.Customizations.ToArray());
            var listed = pool.Children.Single(p => p.Id == c.Vm.VmId);
            Assert.Equal(listed.Identity.Hostname, c.Vm.Data!.Values["hostname"]);
            Assert.Equal(listed.Ip, c.Vm.Data.Values["ip"]);
            Assert.Equal("corp.example.com", c.Vm.Data.Values["domain.join"]);
            Assert.Equal(listed.Identity.Macs[0], c.Vm.Definition.MacAddress);
        });
        Assert.Equal(30, pool.Children.Select(c => c.Identity.Hostname).Distinct().Count());
        Assert.Equal(30, pool.Children.Select(c => c.Ip).Distinct().Count());
        Assert.Equal(30, pool.Children.Select(c => c.Identity.Macs[0]).Distinct().Count());
        Assert.Equal(30, pool.Children.Select(c => c.Identity.MachineId).Distinct().Count());
        Assert.Equal("web-0001", pool.Children.OrderBy(c => c.Number).First().Identity.Hostname);

        var template = await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = "web-tpl" });
        Assert.Equal(3, template.Replicas.Count);
        foreach (var replica in template.Replicas)
        {
            var parent = node.Fleet.Inspect(replica.HostId).VmsById[replica.VmId];
            Assert.Equal(VmPowerState.Suspended, parent.PowerState);
            Assert.Equal(1 + 2 + 1, parent.Boots); // its first boot and the three reboots its customizations needed
            // The ledger holds the replica's memory once and each child's own writes: the sharing, accounted.
            var onHost = children.Count(c => c.Host == replica.HostId);
            var host = await node.Hosts.GetHostAsync(new GetHostRequest { Id = replica.HostId });
            Assert.Equal(4096 + onHost * 64, host.Allocated.MemoryMib);
            Assert.Equal(node.Fleet.Inspect(replica.HostId).InUse.MemoryMib, host.Allocated.MemoryMib);
        }
    }

    [Fact]
    public async Task Children_forked_powered_off_start_on_demand_without_booting()
    {
        await using var node = await StartAsync(output, hosts: 2);
        var request = Web(6);
        request.PoweredOff = true;
        await node.Pools.CreatePoolAsync(request);
        var pool = await ReadyAsync(node, "web", 6);
        Assert.Equal(0, pool.Running);
        Assert.All(Children(node), c => Assert.Equal(VmPowerState.PoweredOff, c.Vm.PowerState));
        // Powered-off children hold no memory of their own: the hosts hold each replica's, once.
        Assert.Equal(2 * 4096, node.Fleet.HostIds.Sum(h => node.Fleet.Inspect(h).InUse.MemoryMib));

        pool = await node.Pools.StartChildrenAsync(new StartChildrenRequest { Name = "web", Count = 4 });
        Assert.Equal(4, pool.Running);
        var running = Children(node).Where(c => c.Vm.PowerState == VmPowerState.Running).ToList();
        Assert.Equal(4, running.Count);
        Assert.All(running, c => Assert.Equal(0, c.Vm.Boots));
        var shown = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
        Assert.Equal([1L, 2, 3, 4], shown.Children.Where(c => c.Running).Select(c => c.Number).Order());
    }

    [Fact]
    public async Task A_pool_shrinks_newest_first_and_a_deleted_pool_leaves_only_replicas_that_can_then_go()
    {
        await using var node = await StartAsync(output, hosts: 2);
        await node.Pools.CreatePoolAsync(Web(10));
        await ReadyAsync(node, "web", 10);

        await node.Pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 4 });
        var shrunk = await ReadyAsync(node, "web", 4);
        var kept = (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true })).Children.Select(c => c.Number).Order();
        Assert.Equal([1L, 2, 3, 4], kept);
        Assert.Equal(4, Children(node).Count());
        Assert.Equal(10, shrunk.Desired + 6);

        var replica = (await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = "web-tpl" })).Replicas[0];
        var shared = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Pools.RemoveReplicaAsync(new RemoveReplicaRequest { Template = "web-tpl", HostId = replica.HostId }));
        Assert.Equal(StatusCode.FailedPrecondition, shared.StatusCode);
        Assert.Contains("forked children", shared.Status.Detail);

        await node.Pools.DeletePoolAsync(new DeletePoolRequest { Name = "web" });
        await Eventually.True(async () =>
        {
            try
            {
                await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" });
                return false;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return true;
            }
        }, "the pool gone");
        Assert.Empty(Children(node));

        foreach (var r in (await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = "web-tpl" })).Replicas)
            await node.Pools.RemoveReplicaAsync(new RemoveReplicaRequest { Template = "web-tpl", HostId = r.HostId });
        Assert.Empty((await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = "web-tpl" })).Replicas);
        foreach (var host in (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts)
        {
            Assert.Equal(0, host.Allocated.MemoryMib);
            Assert.Empty(node.Fleet.Inspect(host.Id).Vms);
        }
    }

    [Fact]
    public async Task Replicas_are_made_on_several_hosts_at_once_and_once_per_host_however_many_ask()
    {
        const int hosts = 4;
        var latency = TimeSpan.FromMilliseconds(600);
        await using var node = await StartAsync(output, hosts, $"cloudcontroller.driver.simulated.latency.customize-guest={latency.TotalMilliseconds}ms");
        var clock = Stopwatch.StartNew();
        // Two pools at once on the same template and hosts: one replica per host between them.
        await Task.WhenAll(
            node.Pools.CreatePoolAsync(Web(hosts)).ResponseAsync,
            node.Pools.CreatePoolAsync(Web(hosts, "api", "10.1.0.0/24")).ResponseAsync);
        await ReadyAsync(node, "web", hosts);
        await ReadyAsync(node, "api", hosts);
        clock.Stop();

        var template = await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = "web-tpl" });
        Assert.Equal(hosts, template.Replicas.Count);
        Assert.Equal(hosts, node.Fleet.OperationCounts[DriverOperation.RegisterVm]);
        // Each replica takes two customizations of 600 ms: one after another, four hosts would take 4.8 s at least.
        output.WriteLine($"{hosts} replicas and {2 * hosts} children in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"replicas were not made concurrently: {clock.Elapsed}");
    }

    [Fact]
    public async Task Children_on_a_host_that_dies_are_replaced_elsewhere_and_removed_when_it_is_back()
    {
        await using var node = await StartAsync(output, hosts: 3);
        await node.Pools.CreatePoolAsync(Web(12));
        await ReadyAsync(node, "web", 12);
        var dead = node.Fleet.HostIds[0];
        var lost = Children(node).Where(c => c.Host == dead).Select(c => c.Vm.VmId).ToList();
        Assert.NotEmpty(lost);

        node.Fleet.Crash(dead);
        var replaced = await Eventually.Get(async () =>
        {
            var p = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
            return p.Ready == 12 && p.Lost == lost.Count ? p : null;
        }, "replacements for the lost children");
        Assert.All(replaced.Children.Where(c => c.State == "Ready"), c => Assert.NotEqual(dead, c.HostId));
        Assert.Equal(12 + lost.Count, replaced.Children.Select(c => c.Ip).Distinct().Count()); // the lost still hold theirs

        node.Fleet.Restore(dead);
        await Eventually.True(async () => (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Lost == 0, "lost children cleaned up");
        await ReadyAsync(node, "web", 12);
        Assert.DoesNotContain(node.Fleet.Inspect(dead).Vms, v => lost.Contains(v.VmId));
        var host = await node.Hosts.GetHostAsync(new GetHostRequest { Id = dead });
        Assert.Equal(4096, host.Allocated.MemoryMib); // only its replica
    }

    [Fact]
    public async Task Evacuating_a_host_replaces_its_children_elsewhere_before_they_go()
    {
        await using var node = await StartAsync(output, hosts: 3);
        await node.Pools.CreatePoolAsync(Web(9));
        await ReadyAsync(node, "web", 9);
        var drained = node.Fleet.HostIds[0];
        Assert.Contains(Children(node), c => c.Host == drained);

        await node.Hosts.EvacuateHostAsync(new EvacuateHostRequest { Id = drained });
        await Eventually.True(async () => !Children(node).Any(c => c.Host == drained) &&
                                          (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready == 9,
            "the drained host's children replaced");
        Assert.Equal(9, Children(node).Count());
        var pool = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" });
        Assert.Equal(0, pool.FailedTotal);
    }

    [Fact]
    public async Task A_node_restart_mid_scale_finishes_every_child_exactly_once()
    {
        var node = await StartAsync(output, 3, "cloudcontroller.driver.simulated.cpu-cores=256", "cloudcontroller.driver.simulated.latency.fork=40ms", "cloudcontroller.pools.fork-concurrency=4",
            "cloudcontroller.pools.batch-size=50");
        await using var _ = node;
        await node.Pools.CreatePoolAsync(Web(150));
        await Eventually.True(async () => (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready >= 20, "some children ready");

        await node.RestartAsync();

        var pool = await ReadyAsync(node, "web", 150);
        Assert.Equal(150, Children(node).Count());
        Assert.Equal(150, Children(node).Select(c => c.Vm.VmId).Distinct().Count());
        Assert.Equal(0, pool.FailedTotal);
        var allocated = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Sum(h => h.Allocated.MemoryMib);
        Assert.Equal(3 * 4096 + 150 * 64, allocated);
    }

    [Fact]
    public async Task A_bad_pool_request_names_every_field_at_fault()
    {
        await using var node = await StartAsync(output, hosts: 1);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Pools.CreatePoolAsync(new CreatePoolRequest
        {
            Name = "Web Pool", Template = "web-tpl", NamePattern = "web", IpRange = "10.0.0.9-10.0.0.1", Desired = -3,
        }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var field in new[] { "name", "namePattern", "ipRange", "desired" }) Assert.Contains(field + ":", error.Status.Detail);

        var noTemplate = await Assert.ThrowsAsync<RpcException>(async () => await node.Pools.CreatePoolAsync(Web(1, template: "nope")));
        Assert.Contains("template", noTemplate.Status.Detail);
        var small = await Assert.ThrowsAsync<RpcException>(async () => await node.Pools.CreatePoolAsync(Web(5, ipRange: "10.0.0.1-10.0.0.3")));
        Assert.Contains("desired: 5 children cannot fit in 3 addresses", small.Status.Detail);
    }

    [Fact]
    public async Task Two_thousand_children_are_each_distinct_and_on_a_host_with_room()
    {
        await using var node = await StartAsync(output, 20, "cloudcontroller.driver.simulated.cpu-cores=256");
        var clock = Stopwatch.StartNew();
        await node.Pools.CreatePoolAsync(Web(2000));
        await ReadyAsync(node, "web", 2000, TimeSpan.FromSeconds(60));
        output.WriteLine($"2000 children ready in {clock.Elapsed.TotalSeconds:F2} s");

        var pool = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
        Assert.Equal(2000, pool.Children.Select(c => c.Identity.Hostname).Distinct().Count());
        Assert.Equal(2000, pool.Children.Select(c => c.Ip).Distinct().Count());
        Assert.Equal(2000, pool.Children.Select(c => c.Identity.Macs[0]).Distinct().Count());
        Assert.Equal(2000, pool.Children.Select(c => c.Identity.MachineId).Distinct().Count());
        foreach (var hostId in node.Fleet.HostIds)
        {
            var state = node.Fleet.Inspect(hostId);
            Assert.True(state.Free.MemoryMib >= 0 && state.Free.CpuCores >= 0);
            var onHost = state.Vms.Count(v => v.ForkedFrom is not null);
            Assert.Equal(4096 + onHost * 64, state.InUse.MemoryMib);
        }
        Assert.Equal(2000, Children(node).Count());
    }
}
