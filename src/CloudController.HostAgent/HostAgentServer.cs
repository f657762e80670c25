using CloudController.Hypervisor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudController.HostAgent;

/// <summary>A running cc-hostd: this machine's driver served over the host agent protocol at its listen address.</summary>
public sealed class HostAgentServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostAgentServer(WebApplication app, IHypervisorDriver driver)
    {
        _app = app;
        Driver = driver;
    }

    public IHypervisorDriver Driver { get; }

    /// <summary>Creates the driver the settings name and starts serving it; bad settings are an <see cref="ArgumentException"/>.</summary>
    public static async Task<HostAgentServer> StartAsync(HostAgentOptions options, CancellationToken ct = default)
    {
        Directory.CreateDirectory(options.StateDir);
        var settings = options.Settings();
        var driver = DriverFactory.Create(settings);
        var datastores = new Dictionary<string, string> { ["state"] = options.StateDir };
        if (settings.GetConfig("cloudcontroller.host-agent.datastores") is { IsEmpty: false } configured)
        {
            foreach (var (name, _) in configured.AsEnumerable())
            {
                var path = configured.GetString(name);
                datastores[name] = Directory.Exists(path)
                    ? path
                    : throw new ArgumentException($"cloudcontroller.host-agent.datastores.{name}: '{path}' is not a directory on this machine; mount it or remove the setting.");
            }
        }
        var service = new HostAgentService(options.Name, driver, new MachineStatus(options.Name, driver, datastores),
            settings.GetTimeSpan("cloudcontroller.host-agent.status-interval", TimeSpan.FromSeconds(5)));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(options.Listen.ToString());
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<HostAgentService>();
        await app.StartAsync(ct);
        return new HostAgentServer(app, driver);
    }

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
