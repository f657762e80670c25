using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

/// <summary>The heuristics engine, identity and reservations, over gRPC against an in-process node.</summary>
public class AdvisorEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_custom_build_gets_every_problem_the_need_and_a_request_that_passes()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();

        var request = new CheckBuildRequest { Os = "ubuntu-24.04", Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 } };
        request.Apps.AddRange(["nginx", "postgres", "iis"]);
        var advisor = new Advisor.AdvisorClient(Grpc.Net.Client.GrpcChannel.ForAddress(node.Node.Endpoint));
        var check = await advisor.CheckBuildAsync(request);

        Assert.False(check.Passes);
        Assert.Equal(["apps[2]", "hardware.cpu_cores", "hardware.memory_mib", "hardware.disk_gib"], check.Problems.Select(p => p.Field));
        Assert.Contains("--memory 3328 would fit (recommended 5120)", check.Problems[2].Description);
        Assert.Equal(["nginx", "postgres"], check.SuggestedApps);
        Assert.Equal(3328, check.SuggestedHardware.MemoryMib);
        // The catalog's only model runs nginx: postgres is what the deploy would add.
        await Eventually.True(async () => (await advisor.CheckBuildAsync(request)).Template is not null, "the catalog read model");
        var template = (await advisor.CheckBuildAsync(request)).Template;
        Assert.Equal("ubuntu", template.Model);
        Assert.Equal(["postgres"], template.MissingApps);

        var passing = new CheckBuildRequest { Os = check.SuggestedOs, Hardware = check.SuggestedHardware };
        passing.Apps.AddRange(check.SuggestedApps);
        Assert.True((await advisor.CheckBuildAsync(passing)).Passes);

        var byGoal = await advisor.CheckBuildAsync(new CheckBuildRequest { Os = "ubuntu-24.04", Goal = "web-server", GoalAmount = 2000 });
        Assert.Equal(5, byGoal.Requested.CpuCores);
        var twoWays = await Assert.ThrowsAsync<RpcException>(async () => await advisor.CheckBuildAsync(
            new CheckBuildRequest { Os = "ubuntu-24.04", Profile = "small", Goal = "web-server", GoalAmount = 1 }));
        Assert.Equal(StatusCode.InvalidArgument, twoWays.StatusCode);
    }

    [Fact]
    public async Task Placement_is_explained_per_host_and_never_as_a_bare_no()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=4");
        await node.WaitForHostsAsync(4);
        var advisor = new Advisor.AdvisorClient(Grpc.Net.Client.GrpcChannel.ForAddress(node.Node.Endpoint));

        var flagged = new ExplainPlacementRequest { Hardware = new Resources { CpuCores = 2, MemoryMib = 4096, DiskGib = 40 } };
        flagged.CpuFlags.Add("avx2");
        var explained = await advisor.ExplainPlacementAsync(flagged);
        Assert.True(explained.Found);
        Assert.Equal(2, explained.Candidates.Count);
        Assert.Equal(2, explained.Rejections.Count(r => r.Filter == "cpu-flags"));

        var huge = await advisor.ExplainPlacementAsync(new ExplainPlacementRequest { Hardware = new Resources { CpuCores = 2, MemoryMib = 1 << 30, DiskGib = 40 } });
        Assert.False(huge.Found);
        Assert.Equal("no host fits 2 vCPU, 1073741824 MiB, 40 GiB: 4 hosts considered: 4 lack memory", huge.Explanation);
    }

    [Fact]
    public async Task A_provisioned_VM_never_carries_its_models_identity()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.WaitForHostsAsync(2);
        var model = new AddModelRequest
        {
            Name = "golden", Os = "ubuntu-24.04", DiskImage = "golden",
            Hardware = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
            Minimum = new Resources { CpuCores = 1, MemoryMib = 512, DiskGib = 10 },
            Identity = new Identity { MachineId = "11111111-2222-3333-4444-555555555555", Hostname = "golden-build", Macs = { "52:54:00:aa:bb:cc" } },
        };
        await node.Catalog.AddModelAsync(model);

        var ids = new List<Identity>();
        for (var i = 0; i < 3; i++)
        {
            var task = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "golden", Hostname = $"clone-{i}" });
            Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(task.TaskId))[^1].State);
            ids.Add((await node.Vms.GetVmAsync(new GetVmRequest { Id = task.VmId })).Identity);
        }

        Assert.All(ids, id => Assert.NotEqual(model.Identity.MachineId, id.MachineId));
        Assert.All(ids, id => Assert.DoesNotContain("52:54:00:aa:bb:cc", id.Macs));
        Assert.Equal(["clone-0", "clone-1", "clone-2"], ids.Select(i => i.Hostname));
        Assert.Equal(3, ids.Select(i => i.MachineId).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_requests_for_the_last_free_capacity_leave_exactly_one_winner()
    {
        // One host with room for exactly one of these VMs.
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.driver.simulated.memory-mib=4096",
            "cloudcontroller.driver.simulated.latency.create-disk-layer=200ms");
        await node.AddUbuntuModelAsync(memoryMib: 4096);
        await node.WaitForHostsAsync(1);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"web-{i}" });
                return (await node.WatchToEndAsync(started.TaskId))[^1];
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return new TaskStatus { State = TaskState.Failed, Error = e.Status.Detail };
            }
        }));

        Assert.Single(attempts, a => a.State == TaskState.Succeeded);
        Assert.All(attempts.Where(a => a.State != TaskState.Succeeded), a => Assert.Matches("no host fits|refused", a.Error));
        await Eventually.True(async () =>
        {
            var host = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Single();
            return host.VmCount == 1 && host.ReservationCount == 0 && host.Allocated.MemoryMib == 4096;
        }, "one allocation and no reservation left");
        Assert.Single(node.Fleet.Inspect(node.Fleet.HostIds[0]).Vms);
    }
}
