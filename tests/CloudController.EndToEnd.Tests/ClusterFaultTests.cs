using System.Net;
using System.Net.Sockets;
using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Remote;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Three node processes on one PostgreSQL driving one shared simulated fleet (served by a fourth process, as real
/// hosts outlive any controller node). One node is killed with SIGKILL while a pool scales to 1,000 and single VMs
/// are being provisioned; another later leaves with SIGTERM while the pool grows again.
/// </summary>
public sealed class ClusterFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-fault-").FullName;
    private readonly List<NodeProcess> _processes = [];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Node(NodeProcess Process, Uri Grpc, Uri Health);

    private NodeProcess Track(NodeProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static async Task WaitReadyAsync(Node node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.True(async () =>
        {
            if (node.Process.HasExited) throw new InvalidOperationException($"{node.Process.Name} exited ({node.Process.ExitCode}):\n{node.Process.Output}");
            try
            {
                return (await http.GetAsync(new Uri(node.Health, "/ready"))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"{node.Process.Name} ready", TimeSpan.FromSeconds(90));
    }

    /// <summary>A call that may meet the cluster mid-re-homing: answered Unavailable or timing out, it is asked again.</summary>
    private static async Task<T> Retried<T>(Func<Task<T>> call, string what, TimeSpan within)
    {
        T? result = default;
        await Eventually.True(async () =>
        {
            try
            {
                result = await call();
                return true;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                return false;
            }
        }, what, within);
        return result!;
    }

    [Fact]
    public async Task A_node_killed_mid_scale_leaves_nothing_half_done_and_one_leaving_gracefully_fails_nothing()
    {
        try
        {
            await KillAndLeaveAsync();
        }
        catch
        {
            foreach (var process in _processes) output.WriteLine($"--- {process.Name} ---\n{string.Join("\n", process.Output.Split('\n').TakeLast(40))}");
            throw;
        }
    }

    private async Task KillAndLeaveAsync()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var fleetEndpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        Track(NodeProcess.Start("fleet",
            ["fleet", "--data-dir", Path.Combine(_dir, "fleet"), "--set", $"cloudcontroller.driver.fleet-endpoint={fleetEndpoint}",
             "--set", "cloudcontroller.driver.simulated.hosts=20", "--set", "cloudcontroller.driver.simulated.cpu-cores=256"], new Dictionary<string, string>()));
        var secrets = Path.Combine(_dir, "secrets");
        var remoting = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
        Node StartNode(int i)
        {
            var (grpc, health) = (new Uri($"http://127.0.0.1:{FreePort()}"), new Uri($"http://127.0.0.1:{FreePort()}"));
            var process = Track(NodeProcess.Start($"node-{i}",
                ["--config", "postgres", "--data-dir", Path.Combine(_dir, $"node-{i}"), "--grpc", grpc.ToString(),
                 "--set", "cloudcontroller.driver.kind=remote", "--set", $"cloudcontroller.driver.remote.endpoint={fleetEndpoint}",
                 // A few keys only: RSA generation on three nodes would take the two cores from everything else.
                 "--set", "cloudcontroller.key-pool.fill-on-start=off", "--set", "cloudcontroller.key-pool.low-water=1",
                 "--set", "cloudcontroller.key-pool.high-water=2", "--set", "cloudcontroller.key-pool.max-size=4"],
                new Dictionary<string, string>
                {
                    ["CLOUDCONTROLLER_DB"] = postgres.ConnectionString, ["CLOUDCONTROLLER_SECRETS_DIR"] = secrets,
                    ["CLOUDCONTROLLER_HOSTNAME"] = "127.0.0.1", ["CLOUDCONTROLLER_PORT"] = remoting[i].ToString(),
                    ["CLOUDCONTROLLER_SEEDS"] = $"akka.tcp://cloudcontroller@127.0.0.1:{remoting[0]}", ["CLOUDCONTROLLER_HEALTH"] = health.ToString(),
                }));
            return new Node(process, grpc, health);
        }
        var nodes = new List<Node> { StartNode(0) };
        await WaitReadyAsync(nodes[0]);
        nodes.Add(StartNode(1));
        nodes.Add(StartNode(2));
        await Task.WhenAll(nodes.Skip(1).Select(WaitReadyAsync));

        var token = File.ReadAllText(Path.Combine(secrets, "admin.token")).Trim();
        using var channel = GrpcChannel.ForAddress(nodes[0].Grpc);
        var invoker = channel.CreateCallInvoker().WithToken(token);
        var (catalog, pools, provisioning, hosts) = (new Catalog.CatalogClient(invoker), new Pools.PoolsClient(invoker),
            new Provisioning.ProvisioningClient(invoker), new Hosts.HostsClient(invoker));
        var longCall = TimeSpan.FromSeconds(60);
        await Retried(() => catalog.AddModelAsync(new AddModelRequest
        {
            Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server", Apps = { "nginx" },
            Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
        }).ResponseAsync, "the model added", longCall);
        await Retried(() => pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" }).ResponseAsync, "the template", longCall);
        await Retried(() => pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.1.0.0/20", Desired = 1000 }).ResponseAsync,
            "the pool created", longCall);
        var tasks = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var started = await Retried(() => provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"single-{i:00}" }).ResponseAsync, "a provisioning", longCall);
            tasks.Add(started.TaskId);
        }

        // Mid-way: some children ready, more being forked, tasks in flight.
        await Eventually.True(async () => (await pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready >= 100, "100 children", TimeSpan.FromSeconds(60));
        nodes[2].Process.Kill();
        var killedAt = DateTime.UtcNow;
        output.WriteLine("killed node-2");

        // Every task ends, succeeded or rolled back, within 60 s of the kill.
        var ends = new Dictionary<string, TaskStatus>();
        await Eventually.True(async () =>
        {
            foreach (var id in tasks.Where(t => !ends.ContainsKey(t)).ToList())
            {
                try
                {
                    var status = await provisioning.GetTaskAsync(new GetTaskRequest { TaskId = id }, deadline: DateTime.UtcNow.AddSeconds(5));
                    if (status.State is TaskState.Succeeded or TaskState.Failed or TaskState.Aborted) ends[id] = status;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                }
            }
            return ends.Count == tasks.Count;
        }, "every task ended", killedAt.AddSeconds(60) - DateTime.UtcNow);
        output.WriteLine($"tasks ended {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill: {string.Join(", ", ends.Values.GroupBy(s => s.State).Select(g => $"{g.Key} {g.Count()}"))}");

        var lastSeen = "";
        var pool = await Retried(async () =>
        {
            var p = await pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
            lastSeen = $"ready {p.Ready}, pending {p.Pending}, lost {p.Lost}, removing {p.Removing}, failed {p.FailedTotal} ({p.LastFailure}); {p.Shortfall}";
            return p.Ready == 1000 && p.Pending == 0 ? p : throw new RpcException(new Status(StatusCode.Unavailable, lastSeen));
        }, "the pool at 1,000", TimeSpan.FromSeconds(120)).ContinueWith(t => t.IsFaulted ? throw new TimeoutException(lastSeen, t.Exception) : t.Result);
        output.WriteLine($"pool at 1,000 {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill; failed forks {pool.FailedTotal}");

        // Nothing twice, nothing lost, nothing held for nobody: on the hosts themselves.
        using var fleet = RemoteDriver.Connect(fleetEndpoint, TimeSpan.FromSeconds(5));
        var children = pool.Children.Where(c => c.State == "Ready").ToList();
        Assert.Equal(1000, children.Count);
        Assert.Equal(1000, children.Select(c => c.Id).Distinct().Count());
        Assert.Equal(1000, children.Select(c => c.Ip).Distinct().Count());
        foreach (var child in children)
            Assert.Equal(VmPowerState.Running, (await fleet.GetVmAsync(child.HostId, child.Id, CancellationToken.None))?.PowerState);
        var succeeded = ends.Values.Where(s => s.State == TaskState.Succeeded).ToList();
        foreach (var single in succeeded)
            Assert.Equal(VmPowerState.Running, (await fleet.GetVmAsync(single.HostId, single.VmId, CancellationToken.None))?.PowerState);
        await Eventually.True(async () =>
        {
            var fleetHosts = await fleet.DiscoverHostsAsync(CancellationToken.None);
            var running = 0;
            foreach (var host in fleetHosts) running += (await fleet.QueryHostStatusAsync(host.HostId, CancellationToken.None)).RunningVms;
            var reservations = (await hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Sum(h => h.ReservationCount);
            output.WriteLine($"running on the fleet {running}, expected {1000 + succeeded.Count}; reservations {reservations}");
            return running == 1000 + succeeded.Count && reservations == 0;
        }, "every VM once and no reservation left", TimeSpan.FromSeconds(30));

        // The pool's status with its 1,000 children, asked of the other node too: one of the two asks crosses nodes.
        using var otherChannel = GrpcChannel.ForAddress(nodes[1].Grpc);
        var otherPools = new Pools.PoolsClient(otherChannel.CreateCallInvoker().WithToken(token));
        Assert.Equal(1000, (await otherPools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true })).Children.Count(c => c.State == "Ready"));

        // A node leaving gracefully (SIGTERM) while the pool grows and VMs are provisioned fails nothing.
        await pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 1100 });
        var more = new List<string>();
        for (var i = 0; i < 5; i++) more.Add((await provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"more-{i}" })).TaskId);
        Assert.True(await nodes[1].Process.TerminateAsync(TimeSpan.FromSeconds(60)), "node-1 left within 60 s of SIGTERM");
        foreach (var id in more)
        {
            var end = await Retried(async () =>
            {
                var s = await provisioning.GetTaskAsync(new GetTaskRequest { TaskId = id });
                return s.State is TaskState.Succeeded or TaskState.Failed or TaskState.Aborted ? s : throw new RpcException(new Status(StatusCode.Unavailable, s.Stage));
            }, $"task {id} ended", TimeSpan.FromSeconds(60));
            Assert.Equal(TaskState.Succeeded, end.State);
        }
        await Retried(async () =>
        {
            var p = await pools.GetPoolAsync(new GetPoolRequest { Name = "web" });
            return p.Ready == 1100 ? p : throw new RpcException(new Status(StatusCode.Unavailable, $"{p.Ready} ready"));
        }, "the pool at 1,100", TimeSpan.FromSeconds(90));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every process this test started goes with it, whatever happened; a node left running would load the rest of the suite.</summary>
    public async Task DisposeAsync()
    {
        foreach (var process in _processes) process.Dispose();
        await Task.Delay(100);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Temp files the OS cleans later.
        }
    }
}
