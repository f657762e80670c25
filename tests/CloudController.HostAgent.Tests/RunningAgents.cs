using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Qemu;
using Grpc.Net.Client;

namespace CloudController.HostAgent.Tests;

/// <summary>
/// Host agents started in this process on free loopback ports, each with a simulated fleet of its own hosts, and
/// certified as a join would: by a host CA of the test's own, which also certifies the test as a controller node.
/// </summary>
public sealed class RunningAgents : IAsyncDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("cc-hostd-").FullName;
    private readonly List<HostAgentServer> _agents = [];
    private readonly Dictionary<string, HostAgentOptions> _options = [];

    public HostAuthority Authority { get; } = HostAuthority.Create("test host CA");

    public List<(string Name, Uri Endpoint, HostAgentServer Server)> Started { get; } = [];

    /// <summary>A controller node's client certificate from <see cref="Authority"/>.</summary>
    public X509Certificate2 ControllerCertificate => field ??= Certify(Authority, "controller node", HostCertificateRole.Controller);

    /// <summary>An agent named <paramref name="name"/> serving <paramref name="hosts"/> simulated hosts named NAME-01...</summary>
    /// <param name="authority">The CA that certified the agent: <see cref="Authority"/> unless a test says otherwise.</param>
    public async Task<(Uri Endpoint, HostAgentServer Server)> StartAsync(string name, int hosts = 2, string[]? settings = null, HostAuthority? authority = null)
    {
        var endpoint = new Uri($"https://127.0.0.1:{FreePort()}");
        var stateDir = StateDirOf(name);
        authority ??= Authority;
        var (key, request) = HostAuthority.NewKeyAndRequest(name);
        using (key)
        using (var certificate = authority.Issue(request, name, HostCertificateRole.Agent, TimeSpan.FromDays(1)))
            AgentIdentity.Save(stateDir, key, certificate, authority.Certificate);
        var options = HostAgentOptions.Parse([
            "--name", name, "--listen", endpoint.ToString(), "--state-dir", stateDir,
            "--set", "cloudcontroller.driver.kind=simulated", "--set", $"cloudcontroller.driver.simulated.hosts={hosts}",
            "--set", $"cloudcontroller.driver.simulated.host-id-prefix={name}-", .. (settings ?? []).SelectMany(s => new[] { "--set", s })]);
        _options[name] = options;
        return (endpoint, await ServeAsync(name, options));
    }

    /// <summary>The agent started again as its process would be: the same arguments and state directory, no new join.</summary>
    public Task<HostAgentServer> RestartAsync(string name) => ServeAsync(name, _options[name]);

    public string StateDirOf(string name) => Path.Combine(_dir, name);

    private async Task<HostAgentServer> ServeAsync(string name, HostAgentOptions options)
    {
        var server = await HostAgentServer.StartAsync(options);
        _agents.Add(server);
        Started.RemoveAll(s => s.Name == name);
        Started.Add((name, options.Listen, server));
        return server;
    }

    /// <summary>A directory of the started agents, as a node's enrollment would make it.</summary>
    public AgentDirectory Directory(params string[] revokedSerials)
    {
        var directory = new AgentDirectory();
        directory.Update([.. Started.Select(s => (s.Name, s.Endpoint))], revokedSerials.ToHashSet(), ControllerCertificate, Authority.Certificate);
        return directory;
    }

    /// <summary>A channel to an agent presenting <paramref name="clientCertificate"/> (none when null), trusting any agent.</summary>
    public static GrpcChannel Channel(Uri endpoint, X509Certificate2? clientCertificate) =>
        GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
            },
            DisposeHttpClient = true,
        });

    public static X509Certificate2 Certify(HostAuthority authority, string name, HostCertificateRole role)
    {
        var (key, request) = HostAuthority.NewKeyAndRequest(name);
        using var certificate = authority.Issue(request, name, role, TimeSpan.FromDays(1));
        return certificate.CopyWithPrivateKey(key);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // QEMU guests outlive their agent, as on a machine: the test's end stops those the running agents know.
        foreach (var (_, _, server) in Started)
            if (server.Driver is QemuDriver qemu) await qemu.KillAllAsync();
        foreach (var agent in _agents) await agent.DisposeAsync();
        System.IO.Directory.Delete(_dir, recursive: true);
        Authority.Dispose();
    }
}
