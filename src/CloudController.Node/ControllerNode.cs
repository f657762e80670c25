using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using CloudController.Api;
using CloudController.Api.Metrics;
using CloudController.Cluster.Hosting;
using CloudController.Hypervisor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudController.Node;

/// <summary>
/// A running controller node: the actor system (cluster, sharded entities, persistence) behind the gRPC endpoint.
/// Program runs one until it is stopped; tests start one in-process on a free port.
/// </summary>
public sealed class ControllerNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControllerNode(WebApplication app, Uri endpoint, IHypervisorDriver driver, Config config)
    {
        _app = app;
        Endpoint = endpoint;
        Driver = driver;
        Config = config;
    }

    public Uri Endpoint { get; }

    public IHypervisorDriver Driver { get; }

    public Config Config { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="driver">The driver to use instead of the one the configuration names: a test passes the same
    /// simulated fleet to a node it restarts, as a real fleet outlives the controller.</param>
    public static async Task<ControllerNode> StartAsync(
        NodeOptions options,
        IHypervisorDriver? driver = null,
        Action<ILoggingBuilder>? logging = null,
        CancellationToken ct = default)
    {
        var config = NodeConfiguration.Load(options);
        var withDefaults = config.WithFallback(AkkaControllerExtensions.ReferenceConfig);
        var settings = ControllerSettings.FromConfig(withDefaults);
        driver ??= DriverFactory.Create(config);
        var listen = new Uri(config.GetString("cloudcontroller.grpc.endpoint"));
        var tls = GrpcTls.Load(config, listen);
        var autoscaler = AutoscalerListener.Load(config);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        var health = config.GetString("cloudcontroller.health.endpoint", "") is { Length: > 0 } h ? new Uri(h) : null;
        var json = config.GetString("cloudcontroller.http.endpoint", "") is { Length: > 0 } j ? new Uri(j) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(AddressOf(listen), listen.Port, o =>
            {
                // Over TLS, ALPN lets HTTP/1.1 clients of the JSON API share the port; plain h2c cannot be shared.
                o.Protocols = tls is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
                if (tls is not null) o.UseHttps(tls);
            });
            // Probes speak HTTP/1.1, which the gRPC listener (h2c only) does not.
            if (health is not null) kestrel.Listen(AddressOf(health), health.Port, o => o.Protocols = HttpProtocols.Http1);
            // The HTTP/JSON API for HTTP/1.1 clients (curl without --http2-prior-knowledge, most scripts).
            if (json is not null) kestrel.Listen(AddressOf(json), json.Port, o => o.Protocols = HttpProtocols.Http1);
            if (autoscaler is not null) kestrel.Listen(AddressOf(autoscaler.Endpoint), autoscaler.Endpoint.Port, autoscaler.Configure);
        });
        builder.Services.AddSingleton(driver);
        builder.Services.AddSingleton(Hypervisor.Images.ImageStore.For(driver, config.GetString("cloudcontroller.data-dir", "data")));
        builder.Services.AddSingleton(settings);
        var software = SoftwareCatalogSettings.FromConfig(withDefaults);
        builder.Services.AddSingleton(software);
        var secrets = ControllerSecrets.LoadOrCreate(settings.KeyPool.SecretsDirectory);
        // The first administrator's token is on disk before anyone needs it.
        if (settings.Access.Enabled) settings.Access.AdministratorToken();
        builder.Services.AddSingleton(secrets);
        builder.Services.AddControllerApi();
        var sqlite = SqliteJournal.Settings.FromConfig(config);
        // Registered before the actor system, so that it stops after it and folds the journal's log in last.
        if (sqlite is not null) builder.Services.AddHostedService(sp => new SqliteJournal(sqlite, sp.GetRequiredService<ILogger<SqliteJournal>>()));
        builder.Services.AddAkka(config.GetString("cloudcontroller.cluster.system-name", "cloudcontroller"), (akka, _) =>
        {
            if (sqlite is not null) akka.AddSetup(sqlite.DataOptions());
            if (ClusterTls.IsEnabled(config)) akka.AddSetup(ClusterTls.Setup(secrets.HostAuthority, config.GetString("akka.remote.dot-netty.tcp.hostname")));
            akka.AddHocon(config, HoconAddMode.Prepend)
                .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
                .WithCloudController(driver, settings, software, secrets)
                .AddStartup((system, _) =>
                {
                    // Without seed nodes the node is a cluster of one: it joins itself.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
                });
        });

        var app = builder.Build();
        app.MapControllerApi();
        app.MapGet("/healthz", () => "ok");
        app.MapControllerMetrics();
        // Ready once this node is an Up member of its cluster: before that (or leaving) it should get no traffic.
        app.MapGet("/ready", (Akka.Actor.ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfMember.Status == MemberStatus.Up
            ? Results.Ok("ready")
            : Results.StatusCode(503));
        await app.StartAsync(ct);

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var endpoint = new UriBuilder(listen) { Port = bound.Port }.Uri;
        app.Logger.LogInformation(
            "CloudController node listening for gRPC on {Endpoint}; data in {DataDir}; driver {Driver}",
            endpoint, config.GetString("cloudcontroller.data-dir"), driver.Name);
        return new ControllerNode(app, endpoint, driver, config);
    }

    private static System.Net.IPAddress AddressOf(Uri endpoint) =>
        endpoint.Host is "localhost" ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(endpoint.Host);

    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
