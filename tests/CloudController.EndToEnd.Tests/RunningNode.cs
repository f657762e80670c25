using Akka.Actor;
using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using CloudController.Node;
using CloudController.Cluster.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A controller node started in-process on a free loopback port with its own data directory, and gRPC clients for
/// it. Restarting keeps the data directory and the simulated fleet, as a real restart keeps the database and hosts.
/// </summary>
public sealed class RunningNode : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string[] _settings;
    private readonly string _profile;
    private GrpcChannel _channel = null!;
    private bool _stopped;

    private RunningNode(ITestOutputHelper output, string dataDir, string[] settings, string profile = "embedded")
    {
        _output = output;
        DataDir = dataDir;
        _settings = settings;
        _profile = profile;
    }

    public string DataDir { get; }

    public ControllerNode Node { get; private set; } = null!;

    public SimulatedFleet Fleet => ((SimulatedDriver)Node.Driver).Fleet;

    public ControllerSettings Settings => Node.Services.GetRequiredService<ControllerSettings>();

    public Catalog.CatalogClient Catalog { get; private set; } = null!;

    public Hosts.HostsClient Hosts { get; private set; } = null!;

    public Provisioning.ProvisioningClient Provisioning { get; private set; } = null!;

    public Vms.VmsClient Vms { get; private set; } = null!;

    public Pools.PoolsClient Pools { get; private set; } = null!;

    public KeyPool.KeyPoolClient KeyPool { get; private set; } = null!;

    public Activation.ActivationClient Activation { get; private set; } = null!;

    public Storage.StorageClient Storage { get; private set; } = null!;

    public Quotas.QuotasClient Quotas { get; private set; } = null!;

    /// <summary>Starts a node of another configuration profile (postgres), with --set overrides.</summary>
    public static async Task<RunningNode> StartOnProfileAsync(ITestOutputHelper output, string profile, params string[] settings)
    {
        var node = new RunningNode(output, Path.Combine(Path.GetTempPath(), "cc-e2e-" + Guid.NewGuid().ToString("N")), settings, profile);
        await node.StartNodeAsync(null);
        return node;
    }

    /// <summary>Starts a node on a copy of a data directory written before (a golden journal), leaving the original as it is.</summary>
    public static async Task<RunningNode> StartOnCopyAsync(ITestOutputHelper output, string sourceDataDir, params string[] settings)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cc-e2e-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(sourceDataDir, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(dataDir, Path.GetRelativePath(sourceDataDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        var node = new RunningNode(output, dataDir, settings);
        await node.StartNodeAsync(driver: null);
        return node;
    }

    /// <summary>Starts another node of the same profile on the same fleet (one simulated fleet stands for real hosts
    /// every node reaches), with its own data directory and the given overrides (its port, its seeds).</summary>
    public async Task<RunningNode> JoinAsync(params string[] settings)
    {
        // The nodes of a cluster share their secrets (on Kubernetes, one mounted Secret).
        var node = new RunningNode(_output, Path.Combine(Path.GetTempPath(), "cc-e2e-" + Guid.NewGuid().ToString("N")),
            [$"cloudcontroller.key-pool.secrets-dir={Settings.KeyPool.SecretsDirectory}", .. settings], _profile);
        await node.StartNodeAsync(Node.Driver);
        return node;
    }

    /// <summary>Starts a node; <paramref name="settings"/> are --set overrides such as "cloudcontroller.driver.simulated.hosts=4".</summary>
    public static async Task<RunningNode> StartAsync(ITestOutputHelper output, params string[] settings)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cc-e2e-" + Guid.NewGuid().ToString("N"));
        var node = new RunningNode(output, dataDir, settings);
        await node.StartNodeAsync(driver: null);
        return node;
    }

    /// <summary>Stops the node as an operator would and starts a new one on the same data and fleet.</summary>
    public async Task RestartAsync()
    {
        var driver = Node.Driver;
        await StopNodeAsync();
        await StartNodeAsync(driver);
    }

    /// <summary>Crashes the node mid-task and starts a new one on the same data and fleet: the actor system is
    /// aborted, so no coordinated shutdown runs (no shard hand-off, no leaving, no actor finishes what it does).</summary>
    public async Task CrashAndRestartAsync()
    {
        var driver = Node.Driver;
        var system = Node.Services.GetRequiredService<ActorSystem>();
        var shutdown = CoordinatedShutdown.Get(system);
        ((ExtendedActorSystem)system).Abort();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        // The guard that this was a crash: a graceful stop runs coordinated shutdown for the host's reason; an abort
        // only lets the dying cluster daemon name its own downing, after every actor is already gone.
        if (shutdown.ShutdownReason is not null and not CoordinatedShutdown.ClusterDowningReason)
            throw new InvalidOperationException($"The crash ran coordinated shutdown ({shutdown.ShutdownReason}).");
        await StopNodeAsync();
        await StartNodeAsync(driver);
    }

    public async Task<ModelVm> AddUbuntuModelAsync(long memoryMib = 4096, long minimumMemoryMib = 1024)
    {
        var request = new AddModelRequest
        {
            Name = "ubuntu",
            Os = "ubuntu-24.04",
            Hardware = new Resources { CpuCores = 2, MemoryMib = memoryMib, DiskGib = 40 },
            Minimum = new Resources { CpuCores = 1, MemoryMib = minimumMemoryMib, DiskGib = 10 },
            DiskImage = "ubuntu-24.04-server",
            ServicePack = "24.04.1",
            Users = { "ubuntu", "deploy_bot" },
        };
        request.Apps.Add("nginx");
        return await Catalog.AddModelAsync(request);
    }

    /// <summary>Waits until every simulated host has reported to the fleet view.</summary>
    public async Task<IReadOnlyList<Host>> WaitForHostsAsync(int count)
    {
        return await Eventually.Get(async () =>
        {
            var hosts = (await Hosts.ListHostsAsync(new ListHostsRequest())).Hosts;
            return hosts.Count == count ? hosts : null;
        }, $"{count} hosts in the fleet view");
    }

    /// <summary>Follows the task's stream until it ends; returns every status seen.</summary>
    public async Task<IReadOnlyList<TaskStatus>> WatchToEndAsync(string taskId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var seen = new List<TaskStatus>();
        using var call = Provisioning.WatchTask(new WatchTaskRequest { TaskId = taskId }, cancellationToken: cts.Token);
        await foreach (var status in call.ResponseStream.ReadAllAsync(cts.Token)) seen.Add(status);
        return seen;
    }

    public async Task<TaskStatus> WaitForStageAsync(string taskId, string stage) =>
        await Eventually.Get(async () =>
        {
            var status = await Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = taskId });
            return status.Stage == stage ? status : null;
        }, $"task {taskId} in stage {stage}");

    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the OS temp cleaner takes it later.
        }
    }

    private async Task StartNodeAsync(IHypervisorDriver? driver)
    {
        _stopped = false;
        var options = new NodeOptions(_profile, DataDir, "http://127.0.0.1:0",
            ["cloudcontroller.fleet.monitor-interval=200ms", "cloudcontroller.fleet.unreachable-after=1s",
             // Not the embedded default's fixed health port: nodes of tests run side by side.
             "cloudcontroller.health.endpoint=\"\"",
             // A small key pool that fills on use: RSA keys cost a fraction of a second of a core each.
             "cloudcontroller.key-pool.fill-on-start=off", "cloudcontroller.key-pool.low-water=2", "cloudcontroller.key-pool.high-water=4",
             "cloudcontroller.key-pool.max-size=8", "cloudcontroller.key-pool.parallelism=1", .. _settings]);
        Node = await ControllerNode.StartAsync(options, driver, logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(new TestOutputLoggerProvider(_output));
            logging.SetMinimumLevel(LogLevel.Information);
        });
        _channel = GrpcChannel.ForAddress(Node.Endpoint);
        // With access control on (the postgres profile), the clients call as the first administrator.
        var invoker = _channel.CreateCallInvoker();
        if (Settings.Access.Enabled) invoker = invoker.WithToken(Settings.Access.AdministratorToken());
        Catalog = new Catalog.CatalogClient(invoker);
        Hosts = new Hosts.HostsClient(invoker);
        Provisioning = new Provisioning.ProvisioningClient(invoker);
        Vms = new Vms.VmsClient(invoker);
        Pools = new Pools.PoolsClient(invoker);
        KeyPool = new KeyPool.KeyPoolClient(invoker);
        Activation = new Activation.ActivationClient(invoker);
        Storage = new Storage.StorageClient(invoker);
        Quotas = new Quotas.QuotasClient(invoker);
    }

    /// <summary>Stops the node as an operator would; the data directory stays for inspection until disposal.</summary>
    public async Task StopNodeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _channel.Dispose();
        await Node.DisposeAsync();
    }
}
