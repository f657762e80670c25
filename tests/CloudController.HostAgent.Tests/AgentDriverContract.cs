using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Tests.Contract;

namespace CloudController.HostAgent.Tests;

/// <summary>The driver contract on the agents driver: every call crosses to a host agent (serving two simulated hosts) and back.</summary>
public sealed class AgentDriverContract : DriverContract
{
    private readonly RunningAgents agents = new();
    private AgentDriver? driver;

    protected override async Task<IHypervisorDriver> StartDriverAsync()
    {
        await agents.StartAsync("hv-c", hosts: 2);
        driver = new AgentDriver(agents.Directory());
        return driver;
    }

    protected override async Task StopDriverAsync()
    {
        driver?.Dispose();
        await agents.DisposeAsync();
    }

    protected override string Image => "ubuntu";

    protected override Resources Hardware => new(1, 1024, 1);
}
