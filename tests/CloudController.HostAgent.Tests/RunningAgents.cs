using System.Net;
using System.Net.Sockets;

namespace CloudController.HostAgent.Tests;

/// <summary>Host agents started in this process on free loopback ports, each with a simulated fleet of its own hosts.</summary>
public sealed class RunningAgents : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-hostd-").FullName;
    private readonly List<HostAgentServer> _agents = [];

    public List<(string Name, Uri Endpoint, HostAgentServer Server)> Started { get; } = [];

    /// <summary>An agent named <paramref name="name"/> serving <paramref name="hosts"/> simulated hosts named NAME-01...</summary>
    public async Task<(Uri Endpoint, HostAgentServer Server)> StartAsync(string name, int hosts = 2, params string[] settings)
    {
        var endpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        var options = HostAgentOptions.Parse([
            "--name", name, "--listen", endpoint.ToString(), "--state-dir", Path.Combine(_dir, name),
            "--set", "cloudcontroller.driver.kind=simulated", "--set", $"cloudcontroller.driver.simulated.hosts={hosts}",
            "--set", $"cloudcontroller.driver.simulated.host-id-prefix={name}-", .. settings.SelectMany(s => new[] { "--set", s })]);
        var server = await HostAgentServer.StartAsync(options);
        _agents.Add(server);
        Started.Add((name, endpoint, server));
        return (endpoint, server);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
