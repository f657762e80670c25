using Akka.Configuration;
using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;

namespace CloudController.Node;

/// <summary>Creates the hypervisor driver that <c>cloudcontroller.driver</c> names.</summary>
public static class DriverFactory
{
    public static IHypervisorDriver Create(Config config)
    {
        var kind = config.GetString("cloudcontroller.driver.kind", "simulated");
        return kind switch
        {
            "simulated" => new SimulatedDriver(new SimulatedFleet(SimulatedOptions(config.GetConfig("cloudcontroller.driver.simulated")))),
            _ => throw new ArgumentException($"cloudcontroller.driver.kind = '{kind}' is not a driver this node has; use 'simulated'."),
        };
    }

    private static SimulatedFleetOptions SimulatedOptions(Config? c)
    {
        if (c is null) return new SimulatedFleetOptions();
        var latency = c.GetConfig("latency") is { } l && !l.IsEmpty
            ? l.AsEnumerable().ToDictionary(e => DriverOperationNames.Parse(e.Key), e => l.GetTimeSpan(e.Key))
            : new Dictionary<DriverOperation, TimeSpan>();
        var options = new SimulatedFleetOptions
        {
            HostCount = c.GetInt("hosts", 8),
            HostCapacity = new Resources(c.GetInt("cpu-cores", 32), c.GetLong("memory-mib", 131072), c.GetLong("disk-gib", 2000)),
            Latency = latency,
        };
        if (options.HostCount < 1)
            throw new ArgumentException($"cloudcontroller.driver.simulated.hosts = {options.HostCount}: a fleet needs at least one host.");
        return options;
    }
}
