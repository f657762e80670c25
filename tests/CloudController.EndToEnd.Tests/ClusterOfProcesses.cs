using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// What the cluster fault tests run: one PostgreSQL, controller node processes on the postgres profile, and host
/// agent processes (cc-hostd, each serving simulated hosts of its own: real hosts outlive any controller node) that
/// join them with tokens, as an operator adds hosts, and are then driven over mutual TLS. Each node
/// keeps its data directory and its ports (remoting, gRPC, health) for the whole test, so a node started again after
/// a kill is the same node at the same address. Every process goes with the test, whatever happened.
/// </summary>
public sealed class ClusterOfProcesses : IAsyncDisposable
{
    public sealed record Node(int Index, NodeProcess Process, Uri Grpc, Uri Health)
    {
        public string Name => Process.Name;
    }

    /// <summary>The clients a test drives a node with, as an administrator.</summary>
    public sealed record Clients(
        Catalog.CatalogClient Catalog, Pools.PoolsClient Pools, Provisioning.ProvisioningClient Provisioning, Hosts.HostsClient Hosts,
        Vms.VmsClient Vms, KeyPool.KeyPoolClient KeyPool);

    private sealed record Address(int Remoting, Uri Grpc, Uri Health);

    private readonly string _dir = Directory.CreateTempSubdirectory("cc-cluster-").FullName;
    private readonly List<NodeProcess> _processes = [];
    private readonly Dictionary<Uri, GrpcChannel> _channels = [];
    private readonly List<Address> _addresses = [];
    private readonly List<Node?> _nodes = [];
    private IReadOnlyList<string> _nodeSettings = [];
    private PostgresServer? _postgres;
    private string? _adminToken;
    private AgentDriver? _fleet;

    /// <summary>Each host agent's name and where it listens.</summary>
    public List<(string Name, Uri Endpoint)> Agents { get; } = [];

    /// <summary>The latest process of each node (a killed one stays here until it is started again).</summary>
    public IReadOnlyList<Node> Nodes => _nodes.Select(n => n!).ToList();

    public string AdminToken => _adminToken ??= File.ReadAllText(Path.Combine(_dir, "secrets", "admin.token")).Trim();

    /// <summary>
    /// PostgreSQL, <paramref name="nodes"/> nodes (with <paramref name="nodeSettings"/> on top of what makes them one
    /// cluster driving host agents): the first, which the others join, then the others together; then
    /// <paramref name="agents"/> host agents named hv-N (with <paramref name="agentSettings"/>, e.g. their host count
    /// and latencies; agent N's hosts are hv-N-01...), each joining with a token of its own, until every agent's hosts
    /// are registered.
    /// </summary>
    public async Task StartAsync(int nodes, int agents, IEnumerable<string> agentSettings, IEnumerable<string> nodeSettings)
    {
        _postgres = await PostgresServer.StartAsync();
        // Every port at once, from listeners open together: ports found one at a time may repeat.
        var ports = new Queue<int>(FreePorts(agents + 3 * nodes));
        _nodeSettings = ["cloudcontroller.driver.kind=agents", "cloudcontroller.fleet.agent-refresh-interval=1s", .. nodeSettings];
        for (var i = 0; i < nodes; i++)
        {
            _addresses.Add(new Address(ports.Dequeue(), new Uri($"http://127.0.0.1:{ports.Dequeue()}"), new Uri($"http://127.0.0.1:{ports.Dequeue()}")));
            _nodes.Add(null);
        }
        await StartNodesAsync(0);
        await StartNodesAsync(Enumerable.Range(1, nodes - 1).ToArray());

        var hosts = On(Nodes[0]).Hosts;
        for (var i = 0; i < agents; i++)
        {
            var (name, endpoint) = ($"hv-{i}", new Uri($"https://127.0.0.1:{ports.Dequeue()}"));
            var tokenFile = Path.Combine(_dir, $"{name}.token");
            await File.WriteAllTextAsync(tokenFile, (await hosts.CreateJoinTokenAsync(new CreateJoinTokenRequest { Name = name })).Token);
            Agents.Add((name, endpoint));
            Track(NodeProcess.StartHostAgent(name,
                ["--name", name, "--listen", endpoint.ToString(), "--state-dir", Path.Combine(_dir, name), "--controller", Nodes[0].Grpc.ToString(), "--join-token", tokenFile,
                 .. Settings(["cloudcontroller.driver.kind=simulated", $"cloudcontroller.driver.simulated.host-id-prefix={name}-", .. agentSettings])]));
        }
        await Eventually.True(async () =>
        {
            var registered = (await hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Select(h => h.Id).ToList();
            return Agents.All(a => registered.Any(id => id.StartsWith($"{a.Name}-", StringComparison.Ordinal)));
        }, "every agent joined and its hosts registered", TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts these nodes (again: same data directory, database, ports and seed) together and waits until each is up in the cluster.</summary>
    public async Task StartNodesAsync(params int[] indexes)
    {
        foreach (var i in indexes)
        {
            if (_nodes[i] is { Process.HasExited: false } running) throw new InvalidOperationException($"{running.Name} is still running");
            var address = _addresses[i];
            var process = Track(NodeProcess.Start($"node-{i}",
                ["--config", "postgres", "--data-dir", Path.Combine(_dir, $"node-{i}"), "--grpc", address.Grpc.ToString(), .. Settings(_nodeSettings)],
                new Dictionary<string, string>
                {
                    ["CLOUDCONTROLLER_DB"] = _postgres!.ConnectionString, ["CLOUDCONTROLLER_SECRETS_DIR"] = Path.Combine(_dir, "secrets"),
                    ["CLOUDCONTROLLER_HOSTNAME"] = "127.0.0.1", ["CLOUDCONTROLLER_PORT"] = address.Remoting.ToString(),
                    ["CLOUDCONTROLLER_SEEDS"] = $"akka.ssl.tcp://cloudcontroller@127.0.0.1:{_addresses[0].Remoting}",
                    ["CLOUDCONTROLLER_HEALTH"] = address.Health.ToString(),
                }));
            _nodes[i] = new Node(i, process, address.Grpc, address.Health);
        }
        await Task.WhenAll(indexes.Select(i => WaitReadyAsync(_nodes[i]!)));
    }

    /// <summary>SIGKILL: the node is gone at once, with whatever it was doing.</summary>
    public void Kill(int index) => _nodes[index]!.Process.Kill();

    /// <summary>
    /// The live nodes whose process runs the key pool's generation threads (named key-pool-default-N; the kernel keeps
    /// the first 15 characters): the key pool is one entity in the cluster, and those threads start and stop with it.
    /// </summary>
    public IReadOnlyList<Node> KeyPoolHolders() => Nodes.Where(n => !n.Process.HasExited && ThreadNames(n.Process.Id).Any(t => t.StartsWith("key-pool-"))).ToList();

    private static List<string> ThreadNames(int pid)
    {
        var names = new List<string>();
        try
        {
            foreach (var thread in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    names.Add(File.ReadAllText(Path.Combine(thread, "comm")).Trim());
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (IOException)
        {
            // The process ended meanwhile.
        }
        return names;
    }

    /// <summary>An administrator's clients on a node; the channel reconnects to a node started again at the same address.</summary>
    public Clients On(Node node)
    {
        var invoker = Channel(node).CreateCallInvoker().WithToken(AdminToken);
        return new Clients(new Catalog.CatalogClient(invoker), new Pools.PoolsClient(invoker), new Provisioning.ProvisioningClient(invoker),
            new Hosts.HostsClient(invoker), new Vms.VmsClient(invoker), new KeyPool.KeyPoolClient(invoker));
    }

    /// <summary>What a VM's activation agent calls: no user's token, only its one-time activation token.</summary>
    public Activation.ActivationClient AgentOn(Node node) => new(Channel(node));

    private GrpcChannel Channel(Node node)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(node.Grpc, out var channel)) _channels[node.Grpc] = channel = GrpcChannel.ForAddress(node.Grpc);
            return channel;
        }
    }

    /// <summary>The test's scenario, with the end of every process's output written out should it fail.</summary>
    public async Task RunAsync(ITestOutputHelper output, Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch
        {
            foreach (var process in _processes) output.WriteLine($"--- {process.Name} ---\n{string.Join("\n", process.Output.Split('\n').TakeLast(40))}");
            throw;
        }
    }

    /// <summary>The model "ubuntu" (a 1-core, 2 GiB VM with nginx) and the template "tpl" pools fork it from.</summary>
    public static async Task DefineUbuntuTemplateAsync(Clients clients)
    {
        await Retried(() => clients.Catalog.AddModelAsync(new AddModelRequest
        {
            Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server", Apps = { "nginx" },
            Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
        }).ResponseAsync, "the model added", LongCall);
        await Retried(() => clients.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" }).ResponseAsync, "the template", LongCall);
    }

    /// <summary>Single VMs of the model "ubuntu", named prefix-00, prefix-01...: their task ids.</summary>
    public static async Task<List<string>> ProvisionAsync(Clients clients, string prefix, int count)
    {
        var tasks = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var started = await Retried(() => clients.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = $"{prefix}-{i:00}" }).ResponseAsync,
                "a provisioning", LongCall);
            tasks.Add(started.TaskId);
        }
        return tasks;
    }

    public static readonly TimeSpan LongCall = TimeSpan.FromSeconds(60);

    /// <summary>Each task's status once it has ended (succeeded, failed or aborted), polled while shards re-home.</summary>
    public static async Task<Dictionary<string, TaskStatus>> EndsAsync(Clients clients, IReadOnlyList<string> tasks, TimeSpan within)
    {
        var ends = new Dictionary<string, TaskStatus>();
        var last = new Dictionary<string, string>();
        try
        {
            await Eventually.True(async () =>
            {
                foreach (var id in tasks.Where(t => !ends.ContainsKey(t)).ToList())
                {
                    try
                    {
                        var status = await clients.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = id }, deadline: DateTime.UtcNow.AddSeconds(5));
                        last[id] = $"{status.Hostname} {status.State} at {status.Stage}";
                        if (IsEnded(status)) ends[id] = status;
                    }
                    catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                    {
                        last[id] = e.StatusCode.ToString();
                    }
                }
                return ends.Count == tasks.Count;
            }, "every task ended", within);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Not ended: {string.Join("; ", tasks.Where(t => !ends.ContainsKey(t)).Select(t => last.GetValueOrDefault(t, t)))}", e);
        }
        return ends;
    }

    public static bool IsEnded(TaskStatus status) => status.State is TaskState.Succeeded or TaskState.Failed or TaskState.Aborted;

    /// <summary>The pool, with its children, once exactly <paramref name="ready"/> are ready and none is being forked.</summary>
    public static async Task<Pool> PoolAtAsync(Clients clients, string name, int ready, TimeSpan within)
    {
        var lastSeen = "";
        try
        {
            return await Retried(async () =>
            {
                var p = await clients.Pools.GetPoolAsync(new GetPoolRequest { Name = name, WithChildren = true });
                lastSeen = $"ready {p.Ready}, pending {p.Pending}, lost {p.Lost}, removing {p.Removing}, failed {p.FailedTotal} ({p.LastFailure}); {p.Shortfall}";
                return p.Ready == ready && p.Pending == 0 ? p : throw new RpcException(new Status(StatusCode.Unavailable, lastSeen));
            }, $"the pool {name} at {ready}", within);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {lastSeen}", e);
        }
    }

    /// <summary>
    /// Nothing twice, nothing lost, nothing held for nobody, on the hosts themselves: every ready child of the pool and
    /// every VM whose task succeeded runs on its host, the fleet runs no other VM, no VM of a task that did not succeed
    /// is on its host; the controller keeps a running VM's record for every task that succeeded and none for the others,
    /// and no host holds a reservation.
    /// </summary>
    public async Task AssertFleetRunsExactlyAsync(Clients clients, Pool pool, IEnumerable<TaskStatus> ends, ITestOutputHelper output)
    {
        var fleet = Fleet;
        var children = pool.Children.Where(c => c.State == "Ready").ToList();
        Assert.Equal(pool.Desired, children.Count);
        Assert.Equal(children.Count, children.Select(c => c.Id).Distinct().Count());
        Assert.Equal(children.Count, children.Select(c => c.Ip).Distinct().Count());
        foreach (var child in children)
            Assert.Equal(VmPowerState.Running, (await fleet.GetVmAsync(child.HostId, child.Id, CancellationToken.None))?.PowerState);
        var (succeeded, undone) = (ends.Where(s => s.State == TaskState.Succeeded).ToList(), ends.Where(s => s.State != TaskState.Succeeded).ToList());
        foreach (var single in succeeded)
            Assert.Equal(VmPowerState.Running, (await fleet.GetVmAsync(single.HostId, single.VmId, CancellationToken.None))?.PowerState);
        foreach (var rolledBack in undone.Where(s => s.HostId.Length > 0))
            Assert.Null(await fleet.GetVmAsync(rolledBack.HostId, rolledBack.VmId, CancellationToken.None));
        await Eventually.True(async () =>
        {
            var running = await RunningOnFleetAsync();
            var reservations = (await clients.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Sum(h => h.ReservationCount);
            var records = (await clients.Vms.ListVmsAsync(new ListVmsRequest())).Vms.ToDictionary(v => v.Id);
            var recorded = succeeded.Count(s => records.TryGetValue(s.VmId, out var vm) && vm.State == "Running" && vm.HostId == s.HostId);
            var stale = undone.Count(s => records.ContainsKey(s.VmId));
            output.WriteLine($"running on the fleet {running}, expected {children.Count + succeeded.Count}; reservations {reservations}; " +
                             $"records of succeeded VMs {recorded} of {succeeded.Count}, of rolled back ones {stale}");
            return running == children.Count + succeeded.Count && reservations == 0 && recorded == succeeded.Count && stale == 0;
        }, "every VM once, its record kept, and no reservation left", TimeSpan.FromSeconds(30));
    }

    /// <summary>The fleet's hosts as the controller's driver reaches them: what really runs, whatever the controller believes.</summary>
    public AgentDriver Fleet => _fleet ??= FleetDriver();

    /// <summary>The test holds the controller's secrets, as an operator does: it certifies itself as a controller node.</summary>
    private AgentDriver FleetDriver()
    {
        var authority = ControllerSecrets.LoadOrCreate(Path.Combine(_dir, "secrets")).HostAuthority;
        var (key, request) = HostAuthority.NewKeyAndRequest("test");
        using var issued = authority.Issue(request, "test", HostCertificateRole.Controller, TimeSpan.FromDays(1));
        var directory = new AgentDirectory();
        directory.Update(Agents, new HashSet<string>(), issued.CopyWithPrivateKey(key), authority.Certificate);
        return new AgentDriver(directory);
    }

    /// <summary>How many VMs run on the fleet's hosts, all told.</summary>
    public async Task<int> RunningOnFleetAsync()
    {
        var running = 0;
        foreach (var host in await Fleet.DiscoverHostsAsync(CancellationToken.None))
            running += (await Fleet.QueryHostStatusAsync(host.HostId, CancellationToken.None)).RunningVms;
        return running;
    }

    public static async Task WaitReadyAsync(Node node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.True(async () =>
        {
            if (node.Process.HasExited) throw new InvalidOperationException($"{node.Name} exited ({node.Process.ExitCode}):\n{node.Process.Output}");
            try
            {
                return (await http.GetAsync(new Uri(node.Health, "/ready"))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"{node.Name} ready", TimeSpan.FromSeconds(90));
    }

    /// <summary>A call that may meet the cluster mid-re-homing: answered Unavailable or timing out, it is asked again.</summary>
    public static async Task<T> Retried<T>(Func<Task<T>> call, string what, TimeSpan within)
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

    private static IEnumerable<string> Settings(IEnumerable<string> settings) => settings.SelectMany(s => new[] { "--set", s });

    private NodeProcess Track(NodeProcess process)
    {
        lock (_processes) _processes.Add(process);
        return process;
    }

    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _fleet?.Dispose();
        foreach (var channel in _channels.Values) channel.Dispose();
        foreach (var process in _processes) process.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
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

/// <summary>
/// The tests that run a cluster of node processes run alone, after the others: two cores shared with another test
/// class starved a node's key generation (at nice 19) and its heartbeats past any fair deadline.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterOfProcessesCollection
{
    public const string Name = "cluster of processes";
}
