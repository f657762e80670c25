using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Agents.V1;
using CloudController.Hypervisor.Qemu;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudController.HostAgent.Tests;

/// <summary>The agent's protocol itself: versions, bad requests, and the status stream measured from the machine.</summary>
public sealed class HostAgentServiceTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();
    private GrpcChannel? _channel;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await _agents.DisposeAsync();
    }

    private async Task<CloudController.Hypervisor.Agents.V1.HostAgent.HostAgentClient> ClientAsync(params string[] settings)
    {
        var (endpoint, _) = await _agents.StartAsync("hv-a", 2, settings);
        _channel = RunningAgents.Channel(endpoint, _agents.ControllerCertificate);
        return new CloudController.Hypervisor.Agents.V1.HostAgent.HostAgentClient(_channel);
    }

    [Fact]
    public async Task A_caller_of_an_older_or_newer_protocol_is_refused_with_the_fix_before_anything_is_done()
    {
        var client = await ClientAsync();

        var older = await Assert.ThrowsAsync<RpcException>(() => client.HelloAsync(new HelloRequest { ProtocolVersion = AgentProtocol.Version - 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, older.StatusCode);
        Assert.Contains("older than this host agent's", older.Status.Detail);
        Assert.Contains("upgrade the controller nodes", older.Status.Detail);

        var newer = await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(new DriverRequest
        {
            ProtocolVersion = AgentProtocol.Version + 1, Operation = "DiscoverHostsAsync",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, newer.StatusCode);
        Assert.Contains("upgrade cc-hostd on this host", newer.Status.Detail);

        var hello = await client.HelloAsync(new HelloRequest { ProtocolVersion = AgentProtocol.Version });
        Assert.Equal(("hv-a", AgentProtocol.Version), (hello.AgentName, hello.ProtocolVersion));
    }

    [Fact]
    public async Task An_unknown_operation_or_arguments_that_do_not_fit_are_refused_naming_the_field()
    {
        var client = await ClientAsync();
        var request = new DriverRequest { ProtocolVersion = AgentProtocol.Version, Operation = "FormatDiskAsync" };
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.StartsWith("operation: 'FormatDiskAsync'", unknown.Status.Detail);

        var wrongCount = new DriverRequest { ProtocolVersion = AgentProtocol.Version, Operation = "PowerOnAsync", ArgumentsJson = { "\"hv-a-01\"" } };
        Assert.StartsWith("arguments_json: PowerOnAsync takes 2", (await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(wrongCount).ResponseAsync)).Status.Detail);

        var notJson = new DriverRequest { ProtocolVersion = AgentProtocol.Version, Operation = "PowerOnAsync", ArgumentsJson = { "\"hv-a-01\"", "{" } };
        Assert.StartsWith("arguments_json: an argument of PowerOnAsync", (await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(notJson).ResponseAsync)).Status.Detail);
    }

    [Fact]
    public async Task The_status_stream_reports_the_machine_as_measured_and_its_hosts()
    {
        var shared = Directory.CreateTempSubdirectory("cc-shared-").FullName;
        try
        {
            var client = await ClientAsync($"cloudcontroller.host-agent.datastores.shared-1={shared}");
            using var stream = client.WatchStatus(new WatchStatusRequest { ProtocolVersion = AgentProtocol.Version, IntervalMs = 100 });
            var reports = new List<AgentStatus>();
            while (reports.Count < 2 && await stream.ResponseStream.MoveNext(CancellationToken.None)) reports.Add(stream.ResponseStream.Current);

            var status = reports[^1];
            Assert.Equal("hv-a", status.AgentName);
            Assert.True(status.ObservedAtUnixMs > reports[0].ObservedAtUnixMs - 1);
            Assert.Equal(Environment.ProcessorCount, status.CpuCores);
            Assert.Equal(MachineReadings.TotalMemoryMib(File.ReadAllText("/proc/meminfo")), status.MemoryTotalMib);
            Assert.InRange(status.MemoryAvailableMib, 1, status.MemoryTotalMib);
            Assert.Equal(MachineReadings.CpuFlags(File.ReadAllText("/proc/cpuinfo")), status.CpuFlags);
            Assert.Equal("none", status.Accelerator);
            Assert.Equal(["hv-a-01", "hv-a-02"], status.HostIds);
            Assert.Equal(["shared-1", "state"], status.Datastores.Select(d => d.Name).Order());
            var drive = new DriveInfo(shared);
            var sharedStore = status.Datastores.Single(d => d.Name == "shared-1");
            Assert.Equal(drive.TotalSize, sharedStore.TotalBytes);
            Assert.InRange(sharedStore.FreeBytes, 1, sharedStore.TotalBytes);
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}
