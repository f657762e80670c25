using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Google.Rpc;
using Grpc.Core;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

/// <summary>The node in-process, driven only through gRPC, with the simulated fleet as the hypervisor.</summary>
public class ProvisioningEndToEndTests(ITestOutputHelper output)
{
    private const int FleetSize = 4;

    private Task<RunningNode> StartAsync(params string[] settings) =>
        RunningNode.StartAsync(output, [$"cloudcontroller.driver.simulated.hosts={FleetSize}", .. settings]);

    [Fact]
    public async Task Provisions_a_VM_through_gRPC_and_records_every_stage()
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(FleetSize);

        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest
        {
            Model = "ubuntu",
            Hostname = "web-01",
            Overrides = new HardwareOverrides { MemoryMib = 8192 },
        });
        var statuses = await node.WatchToEndAsync(started.TaskId);

        var last = statuses[^1];
        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal(100, last.Percent);
        Assert.Equal(started.VmId, last.VmId);
        Assert.Equal(
            ["RecordingVm", "Placing", "CloningDisk", "Registering", "PoweringOn", "InstallingApps", "Finalizing"],
            last.History.Where(h => h.Message.EndsWith(" done")).Select(h => h.Stage));
        Assert.Contains(last.History, h => h.Stage == "Placing" && h.Message.StartsWith($"chose host {last.HostId}"));
        Assert.True(statuses.Select(s => s.Percent).SequenceEqual(statuses.Select(s => s.Percent).Order()), "percent never goes back");

        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
        Assert.Equal("Running", vm.State);
        Assert.Equal(8192, vm.Hardware.MemoryMib);
        Assert.Equal(last.HostId, vm.HostId);

        var onHost = node.Fleet.Inspect(vm.HostId);
        Assert.Contains(onHost.Vms, v => v.VmId == vm.Id && v.PowerState == VmPowerState.Running);

        var host = await Eventually.Get(async () =>
        {
            var h = await node.Hosts.GetHostAsync(new GetHostRequest { Id = vm.HostId });
            return h.Allocated.MemoryMib == 8192 && h.Reserved.MemoryMib == 0 ? h : null;
        }, "the host's allocation to show the VM");
        Assert.Equal(1, host.VmCount);

        var listed = await Eventually.Get(async () =>
        {
            var vms = (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms;
            return vms.Count == 1 && vms[0].State == "Running" ? vms : null;
        }, "the VM directory to list the running VM");
        Assert.Equal("web-01", listed[0].Hostname);
    }

    [Fact]
    public async Task Aborting_a_task_mid_way_puts_the_fleet_and_every_reservation_back_as_they_were()
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync();
        var hostsBefore = await node.WaitForHostsAsync(FleetSize);

        // One VM that stays, so that "as before" is not just "empty".
        var keep = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "keep" });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(keep.TaskId))[^1].State);
        var fleetBefore = FleetWithoutBaseLayers(node.Fleet);
        var ledgersBefore = await LedgersAsync(node);

        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        var doomed = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "doomed" });
        await node.WaitForStageAsync(doomed.TaskId, "PoweringOn");

        var aborted = await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = doomed.TaskId, Reason = "changed my mind" });
        Assert.Equal(TaskState.RollingBack, aborted.State);

        var end = (await node.WatchToEndAsync(doomed.TaskId))[^1];
        Assert.Equal(TaskState.Aborted, end.State);
        Assert.Contains("changed my mind", end.Error);

        Assert.Equal(fleetBefore, FleetWithoutBaseLayers(node.Fleet));
        await Eventually.True(async () => (await LedgersAsync(node)) == ledgersBefore, "host ledgers back to where they were");
        await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = doomed.VmId }));
        Assert.Equal(hostsBefore.Count, (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = doomed.TaskId }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
    }

    [Theory]
    [InlineData(DriverOperation.EnsureBaseLayer, "CloningDisk")]
    [InlineData(DriverOperation.CreateDiskLayer, "CloningDisk")]
    [InlineData(DriverOperation.RegisterVm, "Registering")]
    [InlineData(DriverOperation.PowerOn, "PoweringOn")]
    public async Task A_driver_fault_at_any_stage_rolls_back_everything(DriverOperation failing, string stage)
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(FleetSize);
        var fleetBefore = FleetWithoutBaseLayers(node.Fleet);
        var ledgersBefore = await LedgersAsync(node);

        node.Fleet.Faults.Inject(new SimulatedFault(failing));
        // A fault while undoing is retried until the undo succeeds: nothing may be left behind.
        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.DeleteDiskLayer));
        var task = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" });
        var end = (await node.WatchToEndAsync(task.TaskId))[^1];

        Assert.Equal(TaskState.Failed, end.State);
        Assert.Contains("injected", end.Error);
        Assert.Contains(end.History, h => h.Stage == stage && h.Message.Contains("failed"));
        Assert.Equal(fleetBefore, FleetWithoutBaseLayers(node.Fleet));
        await Eventually.True(async () => (await LedgersAsync(node)) == ledgersBefore, "host ledgers back to where they were");
        await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = task.VmId }));
    }

    [Fact]
    public async Task A_task_interrupted_by_a_node_restart_resumes_and_finishes()
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(FleetSize);

        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        var task = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" });
        await node.WaitForStageAsync(task.TaskId, "PoweringOn");

        await node.RestartAsync();

        var end = await Eventually.Get(async () =>
        {
            var status = await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = task.TaskId });
            return status.State is TaskState.Succeeded or TaskState.Failed ? status : null;
        }, "the resumed task to end");
        Assert.Equal(TaskState.Succeeded, end.State);
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = task.VmId });
        Assert.Equal("Running", vm.State);
        Assert.Contains(node.Fleet.Inspect(vm.HostId).Vms, v => v.VmId == vm.Id && v.PowerState == VmPowerState.Running);
    }

    [Fact]
    public async Task A_node_restart_keeps_models_hosts_tasks_and_VMs()
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(FleetSize);
        var task = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(task.TaskId))[^1].State);

        await node.RestartAsync();

        var model = await node.Catalog.GetModelAsync(new GetModelRequest { Name = "ubuntu" });
        Assert.Equal("ubuntu-24.04", model.Os);
        Assert.Equal("24.04.1", model.ServicePack);
        Assert.Equal(["ubuntu", "deploy_bot"], model.Users);
        Assert.Equal(TaskState.Succeeded, (await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = task.TaskId })).State);
        Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = task.VmId })).State);
        var hosts = await node.WaitForHostsAsync(FleetSize);
        Assert.Equal(1, hosts.Sum(h => h.VmCount));
        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count == 1, "the VM listed after restart");
        await Eventually.True(async () => (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Count == 1, "the model listed after restart");
    }

    [Fact]
    public async Task Deleting_a_VM_removes_it_from_its_host_and_releases_its_capacity()
    {
        // A slow power-off keeps the deletion running while it is requested a second time.
        await using var node = await StartAsync("cloudcontroller.driver.simulated.latency.power-off=1s");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(FleetSize);
        var task = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" });
        var hostId = (await node.WatchToEndAsync(task.TaskId))[^1].HostId;

        var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = task.VmId });
        var again = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = task.VmId });
        Assert.Equal(deletion.TaskId, again.TaskId);
        var end = (await node.WatchToEndAsync(deletion.TaskId))[^1];

        Assert.Equal(TaskState.Succeeded, end.State);
        Assert.Equal("Delete", end.Kind);
        Assert.DoesNotContain(node.Fleet.Inspect(hostId).Vms, v => v.VmId == task.VmId);
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = task.VmId }));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        await Eventually.True(async () =>
        {
            var host = await node.Hosts.GetHostAsync(new GetHostRequest { Id = hostId });
            return host.Allocated.MemoryMib == 0 && host.VmCount == 0;
        }, "the host's capacity released");
    }

    [Fact]
    public async Task Bad_requests_get_every_problem_back_with_the_field_and_the_fix()
    {
        await using var node = await StartAsync();
        await node.AddUbuntuModelAsync(minimumMemoryMib: 1024);
        await node.WaitForHostsAsync(FleetSize);

        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await node.Provisioning.ProvisionAsync(new ProvisionRequest
        {
            Model = "ubuntu",
            Hostname = "Web_01!",
            Overrides = new HardwareOverrides { MemoryMib = 512, CpuCores = -1 },
        }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        var violations = invalid.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Contains(violations, v => v.Field == "hostname");
        Assert.Contains(violations, v => v.Field == "overrides.memory_mib" && v.Description.Contains("1024"));
        Assert.Contains(violations, v => v.Field == "overrides.cpu_cores");

        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "no-such-model", Hostname = "web-01" }));
        Assert.Contains(unknown.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations, v => v.Field == "model");

        var tooBig = await Assert.ThrowsAsync<RpcException>(async () => await node.Provisioning.ProvisionAsync(new ProvisionRequest
        {
            Model = "ubuntu",
            Hostname = "web-01",
            Overrides = new HardwareOverrides { MemoryMib = 1024 * 1024 },
        }));
        Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);
        Assert.Contains($"{FleetSize} hosts", tooBig.Status.Detail);

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = "task-0000000000000000" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Empty((await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms);
    }

    /// <summary>Every host's reservations and allocations, as one comparable string.</summary>
    private static async Task<string> LedgersAsync(RunningNode node) => string.Join(";",
        (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts
            .Select(h => $"{h.Id}:{h.Reserved}/{h.Allocated}/{h.VmCount}/{h.ReservationCount}"));

    /// <summary>
    /// The fleet's state without base layers: a base image copied to a host stays there as a cache for the next clone
    /// (the per-host cache layout), so a rolled-back clone may leave it, and that is by design.
    /// </summary>
    private static string FleetWithoutBaseLayers(SimulatedFleet fleet) => fleet.Fingerprint(includeBaseLayers: false);
}
