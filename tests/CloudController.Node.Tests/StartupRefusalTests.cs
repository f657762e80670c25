using Akka.Configuration;
using CloudController.Hypervisor;

namespace CloudController.Node.Tests;

/// <summary>A node refuses a configuration it cannot run with before it opens a port or a journal, naming the setting.</summary>
public sealed class StartupRefusalTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-node-{Guid.NewGuid():N}");

    private static Config Driver(string settings) => ConfigurationFactory.ParseString(settings);

    [Fact]
    public void An_unknown_driver_kind_is_refused_with_the_ones_there_are()
    {
        var e = Assert.Throws<ArgumentException>(() => DriverFactory.Create(Driver("cloudcontroller.driver.kind = vmware")));
        Assert.Contains("'vmware'", e.Message);
        Assert.Contains("'simulated', 'qemu' or 'agents'", e.Message);
    }

    [Fact]
    public void A_simulated_fleet_without_hosts_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => DriverFactory.Create(Driver("cloudcontroller.driver { kind = simulated, simulated.hosts = 0 }")));
        Assert.Contains("cloudcontroller.driver.simulated.hosts = 0", e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\"https://hv-1:5600\"]")]
    public void A_list_of_agent_addresses_from_an_earlier_version_is_refused_with_how_agents_join_now(string endpoints)
    {
        var e = Assert.Throws<ArgumentException>(() => DriverFactory.Create(Driver($"cloudcontroller.driver {{ kind = agents, agents.endpoints = {endpoints} }}")));
        Assert.Contains("cloudcontroller.driver.agents.endpoints", e.Message);
        Assert.Contains("ccm host join-token", e.Message);
    }

    [Fact]
    public void The_agents_driver_starts_with_no_agent_joined_yet() =>
        Assert.IsType<CloudController.Hypervisor.Agents.AgentDriver>(DriverFactory.Create(Driver("cloudcontroller.driver.kind = agents")));

    [Fact]
    public async Task A_certificate_on_a_plain_endpoint_stops_the_start()
    {
        var options = new NodeOptions("embedded", _dataDir, "http://127.0.0.1:0",
            ["cloudcontroller.grpc.tls.certificate=/nonexistent/cert.pem", "cloudcontroller.grpc.tls.key=/nonexistent/key.pem"]);

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => ControllerNode.StartAsync(options));
        Assert.Contains("make it https://", e.Message);
    }

    [Theory]
    [InlineData("cloudcontroller.grpc.tls.certificate=/c.pem", "needs both certificate and key")]
    [InlineData("cloudcontroller.grpc.tls.key=/k.pem", "needs both certificate and key")]
    public void Half_a_tls_setting_is_refused(string setting, string problem)
    {
        var config = Driver(setting.Replace("=", " = \"") + "\"");
        Assert.Contains(problem, Assert.Throws<ConfigurationException>(() => GrpcTls.Load(config, new Uri("https://127.0.0.1:1"))).Message);
    }

    [Fact]
    public void An_https_endpoint_without_a_certificate_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => GrpcTls.Load(Driver(""), new Uri("https://127.0.0.1:1")));
        Assert.Contains("CLOUDCONTROLLER_TLS_CERT", e.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
