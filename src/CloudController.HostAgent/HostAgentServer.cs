using CloudController.Hypervisor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using CloudController.Hypervisor.Agents;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudController.HostAgent;

/// <summary>
/// A running cc-hostd: this machine's driver served over the host agent protocol at its listen address, over TLS
/// with its certificate from the controller's host CA, to callers holding a controller node's certificate of that CA.
/// </summary>
public sealed class HostAgentServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostAgentServer(WebApplication app, IHypervisorDriver driver, AgentIdentity identity)
    {
        _app = app;
        Driver = driver;
        Identity = identity;
    }

    public IHypervisorDriver Driver { get; }

    public AgentIdentity Identity { get; }

    /// <summary>
    /// Joins the controller first when the state directory holds no certificate yet, then creates the driver the
    /// settings name and starts serving it; bad settings and a refused join are an <see cref="ArgumentException"/>.
    /// </summary>
    public static async Task<HostAgentServer> StartAsync(HostAgentOptions options, CancellationToken ct = default)
    {
        Directory.CreateDirectory(options.StateDir);
        var settings = options.Settings();
        var identity = AgentIdentity.Load(options.StateDir) ?? (options.Controller is not null
            ? await AgentIdentity.JoinAsync(options, ct)
            : throw new ArgumentException($"This agent has not joined a controller ({Path.Combine(options.StateDir, AgentIdentity.CertificateFile)} does not exist): " +
                                          "give --controller URL and --join-token FILE with a token from `ccm host join-token`."));
        if (identity.Name != options.Name)
            throw new ArgumentException($"--name: the state directory holds the certificate of host '{identity.Name}', not '{options.Name}': start it as --name {identity.Name}, or give a fresh --state-dir to join anew.");
        var shared = new Dictionary<string, string>();
        if (settings.GetConfig("cloudcontroller.host-agent.datastores") is { IsEmpty: false } configured)
        {
            foreach (var (name, _) in configured.AsEnumerable())
            {
                var path = configured.GetString(name);
                shared[name] = Directory.Exists(path)
                    ? path
                    : throw new ArgumentException($"cloudcontroller.host-agent.datastores.{name}: '{path}' is not a directory on this machine; mount it or remove the setting.");
            }
        }
        // The driver keeps a shared datastore's layers where the machine mounts it, so every agent opens the same files.
        var driver = DriverFactory.Create(settings, shared);
        var datastores = new Dictionary<string, string>(shared) { ["state"] = options.StateDir };
        var service = new HostAgentService(options.Name, driver, new MachineStatus(options.Name, driver, datastores),
            settings.GetTimeSpan("cloudcontroller.host-agent.status-interval", TimeSpan.FromSeconds(5)));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var trust = new HostTrust(identity.Authority);
        ILogger? refusals = null;
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = identity.Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            CheckCertificateRevocation = false,
            ClientCertificateValidation = (certificate, _, _) =>
            {
                if (trust.Problem(certificate, HostCertificateRole.Controller) is not { } problem) return true;
                refusals?.LogWarning("Refused a caller: {Problem}", problem);
                return false;
            },
        };
        builder.WebHost.ConfigureKestrel(k => k.Listen(AddressOf(options.Listen), options.Listen.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https);
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        refusals = app.Logger;
        app.MapGrpcService<HostAgentService>();
        await app.StartAsync(ct);
        return new HostAgentServer(app, driver, identity);
    }

    /// <summary>The address to bind: an IP as given, loopback for localhost, every address for a host name.</summary>
    private static System.Net.IPAddress AddressOf(Uri listen) =>
        System.Net.IPAddress.TryParse(listen.Host, out var address) ? address
        : listen.Host == "localhost" ? System.Net.IPAddress.Loopback
        : System.Net.IPAddress.Any;

    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        switch (Driver)
        {
            case IAsyncDisposable d: await d.DisposeAsync(); break;
            case IDisposable d: d.Dispose(); break;
        }
    }
}
