using Akka.Configuration;
using CloudController.Domain;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Simulated;

namespace CloudController.Hypervisor;

/// <summary>Creates the hypervisor driver that <c>cloudcontroller.driver</c> names (in a node, and in a host agent).</summary>
public static class DriverFactory
{
    /// <param name="datastores">Shared datastores this machine mounts, by name (a host agent's configuration); the
    /// QEMU driver keeps their layers there.</param>
    public static IHypervisorDriver Create(Config config, IReadOnlyDictionary<string, string>? datastores = null)
    {
        var kind = config.GetString("cloudcontroller.driver.kind", "simulated");
        return kind switch
        {
            "simulated" => new SimulatedDriver(new SimulatedFleet(SimulatedOptions(config.GetConfig("cloudcontroller.driver.simulated")))),
            "qemu" => new QemuDriver(QemuOptions(config) with { Datastores = datastores ?? new Dictionary<string, string>() }),
            // The agents are those that join with tokens; each node learns them from the controller's enrollment.
            "agents" => Agents(config),
            _ => throw new ArgumentException($"cloudcontroller.driver.kind = '{kind}' is not a driver there is; use 'simulated', 'qemu' or 'agents'."),
        };
    }

    private static AgentDriver Agents(Config config)
    {
        // A list kept from an earlier version would otherwise be ignored in silence while the node waits for agents.
        if (config.HasPath("cloudcontroller.driver.agents.endpoints"))
            throw new ArgumentException("cloudcontroller.driver.agents.endpoints is no longer read: host agents join with a token " +
                                        "(`ccm host join-token`, then `cc-hostd --join-token`); remove the setting.");
        return new AgentDriver(new AgentDirectory());
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
            HostIdPrefix = c.GetString("host-id-prefix", "sim-host-"),
            HostCapacity = new Resources(c.GetInt("cpu-cores", 32), c.GetLong("memory-mib", 131072), c.GetLong("disk-gib", 2000)),
            Latency = latency,
        };
        if (options.HostCount < 1)
            throw new ArgumentException($"cloudcontroller.driver.simulated.hosts = {options.HostCount}: a fleet needs at least one host.");
        return options;
    }

    /// <summary>The QEMU driver's settings; its root and images are relative to the data directory unless absolute.</summary>
    private static QemuDriverOptions QemuOptions(Config config)
    {
        var c = config.GetConfig("cloudcontroller.driver.qemu") ?? throw new ArgumentException("cloudcontroller.driver.qemu is missing: the qemu driver needs its settings");
        var dataDir = config.GetString("cloudcontroller.data-dir", "data");
        var hostsConfig = c.GetConfig("hosts");
        var hostIds = hostsConfig is null || hostsConfig.IsEmpty ? [] : hostsConfig.Root.GetObject().Items.Keys.ToList();
        var hosts = hostIds.Select(id =>
        {
            var h = hostsConfig!.GetConfig(id);
            return new QemuHostOptions(id,
                new Resources(h.GetInt("cpu-cores", Environment.ProcessorCount), h.GetLong("memory-mib", 4096), h.GetLong("disk-gib", 100)),
                h.GetString("hardware-class", "qemu"));
        }).ToList();
        // The driver refuses options with problems, naming each setting.
        return new QemuDriverOptions(
            Path.Combine(dataDir, c.GetString("root", "qemu")),
            Path.Combine(dataDir, c.GetString("images", "images")),
            hosts,
            c.GetString("runtime-directory", "/run/cloudcontroller"),
            c.GetString("accelerator", "auto"),
            KernelCommandLine: c.GetString("kernel-command-line", "console=ttyS0 quiet panic=-1"))
        {
            GuestStartTimeout = c.GetTimeSpan("guest-start-timeout", TimeSpan.FromSeconds(45)),
            MigrationMaxBandwidth = c.GetLong("migration-max-bandwidth", 0),
            MigrationAddress = c.GetString("migration-address", "127.0.0.1"),
        };
    }
}
