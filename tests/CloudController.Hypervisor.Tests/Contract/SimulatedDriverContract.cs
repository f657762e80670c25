using CloudController.Domain;
using CloudController.Hypervisor.Simulated;

namespace CloudController.Hypervisor.Tests.Contract;

/// <summary>The driver contract on the simulated driver.</summary>
public sealed class SimulatedDriverContract : DriverContract
{
    protected override Task<IHypervisorDriver> StartDriverAsync() =>
        Task.FromResult<IHypervisorDriver>(new SimulatedDriver(new SimulatedFleet(new SimulatedFleetOptions { HostCount = 2, HostCapacity = new Resources(8, 16384, 100) })));

    protected override Task StopDriverAsync() => Task.CompletedTask;

    protected override string Image => "ubuntu";

    protected override Resources Hardware => new(1, 1024, 1);
}
