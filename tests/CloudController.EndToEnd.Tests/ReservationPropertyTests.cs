using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Random interleavings of provisioning, aborts, driver faults and node crashes, after which nothing may have
/// leaked: every host's ledger holds exactly the live VMs, no reservation is left, and the hypervisor runs exactly
/// the VMs the controller has records of. Seeded, so a failure replays.
/// </summary>
public class ReservationPropertyTests(ITestOutputHelper output)
{
    private static readonly DriverOperation[] Faultable =
        [DriverOperation.EnsureBaseLayer, DriverOperation.CreateDiskLayer, DriverOperation.RegisterVm, DriverOperation.PowerOn, DriverOperation.DeleteDiskLayer];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task No_interleaving_of_provision_abort_fault_and_restart_leaks_capacity(int seed)
    {
        var random = new Random(seed);
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.simulated.hosts=3", "cloudcontroller.driver.simulated.memory-mib=16384",
            "cloudcontroller.driver.simulated.latency.power-on=150ms", "cloudcontroller.driver.simulated.latency.create-disk-layer=50ms");
        await node.AddUbuntuModelAsync(memoryMib: 4096);
        await node.WaitForHostsAsync(3);
        var tasks = new List<string>();

        for (var step = 0; step < 14; step++)
        {
            switch (random.Next(10))
            {
                case < 5:
                    try
                    {
                        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"vm-{seed}-{step}" });
                        tasks.Add(started.TaskId);
                        output.WriteLine($"step {step}: provision {started.TaskId}");
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                    {
                        output.WriteLine($"step {step}: provision refused, fleet full");
                    }
                    break;
                case < 7 when tasks.Count > 0:
                    var victim = tasks[random.Next(tasks.Count)];
                    try
                    {
                        await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = victim, Reason = "property test" });
                        output.WriteLine($"step {step}: abort {victim}");
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
                    {
                        output.WriteLine($"step {step}: abort {victim} refused ({e.Status.Detail})");
                    }
                    break;
                case < 9:
                    var operation = Faultable[random.Next(Faultable.Length)];
                    node.Fleet.Faults.Inject(new SimulatedFault(operation));
                    output.WriteLine($"step {step}: fault at {operation}");
                    break;
                default:
                    output.WriteLine($"step {step}: crash and restart");
                    await node.CrashAndRestartAsync();
                    break;
            }
            await Task.Delay(random.Next(0, 120));
        }

        node.Fleet.Faults.Clear();
        foreach (var taskId in tasks)
        {
            await Eventually.True(async () =>
                (await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = taskId })).State
                    is TaskState.Succeeded or TaskState.Failed or TaskState.Aborted,
                $"task {taskId} to end", TimeSpan.FromSeconds(60));
        }

        var live = new List<Vm>();
        foreach (var taskId in tasks)
        {
            var status = await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = taskId });
            if (status.State == TaskState.Succeeded) live.Add(await node.Vms.GetVmAsync(new GetVmRequest { Id = status.VmId }));
        }
        output.WriteLine($"{live.Count} of {tasks.Count} tasks left a VM");

        await Eventually.True(async () =>
        {
            var hosts = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts;
            return hosts.All(h =>
                h.ReservationCount == 0 &&
                h.VmCount == live.Count(v => v.HostId == h.Id) &&
                h.Allocated.MemoryMib == live.Where(v => v.HostId == h.Id).Sum(v => v.Hardware.MemoryMib));
        }, "every ledger to hold exactly the live VMs");
        foreach (var hostId in node.Fleet.HostIds)
        {
            Assert.Equal(
                live.Where(v => v.HostId == hostId).Select(v => v.Id).Order(),
                node.Fleet.Inspect(hostId).Vms.Select(v => v.VmId).Order());
        }
    }
}
