using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CloudController.Api.V1;
using CloudController.HostAgent;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;
using CloudController.Node;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// A pool of real QEMU children over host agents: an embedded node and three cc-hostd servers (QEMU driver, TCG) on
/// 127.0.0.2/.3/.4, joined with tokens. Times a pool scaled from 0 to N until every child answers with its own
/// hostname on its channel, and a cheap driver call (a VM's status) through an agent against the same driver in-process.
/// </summary>
public static class QemuAgentsMeasurement
{
    private const int Agents = 3;
    private const int Calls = 300;
    private static readonly CancellationToken Ct = CancellationToken.None;

    public static async Task<QemuAgentsResult> RunAsync(int children)
    {
        var dir = Directory.CreateTempSubdirectory("cc-load-agents-").FullName;
        var servers = new List<HostAgentServer>();
        var drivers = new Dictionary<string, QemuDriver>();
        ControllerNode? node = null;
        try
        {
            node = await ControllerNode.StartAsync(new NodeOptions("embedded", Path.Combine(dir, "node"), "http://127.0.0.1:0",
            [
                "cloudcontroller.driver.kind=agents", "cloudcontroller.fleet.agent-refresh-interval=200ms", "cloudcontroller.pools.reconcile-interval=200ms",
                // Every child is one vCPU of a two-core machine: the machine's memory, not its vCPUs, bounds the pool.
                "cloudcontroller.fleet.cpu-allocation-ratio=64",
            ]), null, logging => logging.SetMinimumLevel(LogLevel.Warning));
            using var channel = GrpcChannel.ForAddress(node.Endpoint);
            var hosts = new Hosts.HostsClient(channel);
            var pools = new Pools.PoolsClient(channel);
            for (var i = 0; i < Agents; i++)
            {
                var name = $"hv-{i + 2}";
                var state = Path.Combine(dir, name);
                await TinyGuest.BuildAsync(Path.Combine(state, "images"), "ubuntu-24.04-server");
                var token = Path.Combine(dir, name + ".token");
                await File.WriteAllTextAsync(token, (await hosts.CreateJoinTokenAsync(new CreateJoinTokenRequest { Name = name })).Token);
                var address = IPAddress.Parse($"127.0.0.{i + 2}");
                var server = await HostAgentServer.StartAsync(HostAgentOptions.Parse([
                    "--name", name, "--listen", $"https://{address}:{FreePort(address)}", "--state-dir", state,
                    "--controller", node.Endpoint.ToString(), "--join-token", token,
                    "--set", "cloudcontroller.driver.kind=qemu", "--set", "cloudcontroller.driver.qemu.accelerator=tcg",
                    "--set", $"cloudcontroller.driver.qemu.runtime-directory={Path.Combine(dir, "run", name)}"]));
                servers.Add(server);
                drivers[name] = (QemuDriver)server.Driver;
            }
            while ((await hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count(h => h.State == "Active") < Agents) await Task.Delay(100);
            Console.WriteLine($"{Agents} agents joined: {string.Join(", ", drivers.Keys)} ({drivers.Values.First().Accelerator})");

            var tiny = new Resources { CpuCores = 1, MemoryMib = 128, DiskGib = 1 };
            await new Catalog.CatalogClient(channel).AddModelAsync(new AddModelRequest
            {
                Name = "tiny", Os = "ubuntu-24.04", Hardware = tiny, Minimum = tiny, DiskImage = "ubuntu-24.04-server", ServicePack = "24.04.1",
            });
            await pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "tiny", Hardware = tiny, ChildPrivateMemoryMib = 32 });

            // Warm-up: a child per agent makes each host's replica (booted once, suspended); then the pool is emptied.
            await pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n:000}", IpRange = "10.0.0.0/24", Desired = Agents });
            var warm = await UntilAsync(pools, p => p.Ready == Agents && p.Pending == 0, TimeSpan.FromMinutes(5));
            var probe = warm.Children[0];
            var (inProcess, throughAgent) = await CallsAsync(drivers[AgentOf(probe.HostId, drivers)], node.Driver, probe.HostId, probe.Id);
            await pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 0 });
            await UntilAsync(pools, p => p.Ready == 0 && p.Pending == 0 && p.Removing == 0, TimeSpan.FromMinutes(5));
            var replicas = (await pools.GetTemplateAsync(new GetTemplateRequest { Name = "tpl" })).Replicas.Count(r => r.State == "Ready");

            // The measured run: the scale request until every child printed its own hostname on its console.
            var clock = Stopwatch.StartNew();
            await pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = children });
            double? readyMs = null, firstMs = null;
            var answered = new HashSet<string>();
            Pool pool;
            do
            {
                await Task.Delay(200);
                pool = await pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
                if (pool.Ready == children && readyMs is null) readyMs = clock.Elapsed.TotalMilliseconds;
                // Any child with its host: one still "Forking" in the pool's books may answer already (the pool reports in batches).
                foreach (var child in pool.Children.Where(c => c.HostId != "" && !answered.Contains(c.Id)))
                {
                    var console = drivers[AgentOf(child.HostId, drivers)].Paths.Console(child.HostId, child.Id);
                    if (File.Exists(console) && File.ReadAllText(console).Contains($"\"hostname\":\"{child.Identity.Hostname}\"")) answered.Add(child.Id);
                }
                if (answered.Count > 0) firstMs ??= clock.Elapsed.TotalMilliseconds;
                if (clock.Elapsed > TimeSpan.FromMinutes(20)) throw new TimeoutException($"{answered.Count} of {children} children answered in 20 min; pool: {pool}");
            } while (answered.Count < children);
            var allMs = clock.Elapsed.TotalMilliseconds;
            var spread = string.Join(", ", pool.Children.GroupBy(c => c.HostId).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
            var pss = pool.Children.Sum(c => Pss(drivers[AgentOf(c.HostId, drivers)].ProcessId(c.HostId, c.Id))) / 1024;
            return new QemuAgentsResult(drivers.Values.First().Accelerator, Agents, children, replicas, allMs, readyMs ?? allMs, firstMs ?? allMs, spread, pss,
                Calls, Median(inProcess), Median(throughAgent), $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", DateTimeOffset.UtcNow);
        }
        finally
        {
            foreach (var server in servers)
            {
                await ((QemuDriver)server.Driver).KillAllAsync();
                await server.DisposeAsync();
            }
            if (node is not null) await node.DisposeAsync();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The same cheap call (a VM's status) on the QEMU driver in its agent's process, then through the agent over mutual TLS.</summary>
    private static async Task<(List<double> InProcess, List<double> ThroughAgent)> CallsAsync(IHypervisorDriver local, IHypervisorDriver agents, string hostId, string vmId)
    {
        async Task<List<double>> TimeAsync(IHypervisorDriver driver)
        {
            for (var i = 0; i < 20; i++) await driver.GetVmAsync(hostId, vmId, Ct);
            var times = new List<double>();
            for (var i = 0; i < Calls; i++)
            {
                var clock = Stopwatch.StartNew();
                _ = await driver.GetVmAsync(hostId, vmId, Ct) ?? throw new InvalidOperationException($"{vmId} is not on {hostId}");
                times.Add(clock.Elapsed.TotalMicroseconds);
            }
            return times;
        }
        return (await TimeAsync(local), await TimeAsync(agents));
    }

    /// <summary>Each agent's machine is one host named as the agent.</summary>
    private static string AgentOf(string hostId, IReadOnlyDictionary<string, QemuDriver> drivers) =>
        drivers.ContainsKey(hostId) ? hostId : throw new InvalidOperationException($"no agent runs host {hostId}");

    private static async Task<Pool> UntilAsync(Pools.PoolsClient pools, Func<Pool, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var pool = await pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
            if (done(pool)) return pool;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the pool did not settle within {within.TotalMinutes:0} min: {pool}");
            await Task.Delay(200);
        }
    }

    private static int FreePort(IPAddress address)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    private static long Pss(int? pid) =>
        pid is { } p && File.Exists($"/proc/{p}/smaps_rollup") ? MachineReadings.ProportionalKib(File.ReadAllText($"/proc/{p}/smaps_rollup")) : 0;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

/// <summary>A pool of real QEMU children over host agents; times in milliseconds, calls in microseconds.</summary>
public sealed record QemuAgentsResult(
    string Accelerator, int Agents, int Children, int ReplicasReady, double ScaleToAllAnsweringMs, double ScaleToReadyMs, double FirstAnsweringMs,
    string ChildrenPerAgent, long ChildrenPssMib, int Calls, double InProcessCallMedianUs, double AgentCallMedianUs, string Machine, DateTimeOffset At)
{
    public override string ToString() => $"""
        qemu ({Accelerator}) over {Agents} host agents, a pool of {Children} forked 128 MiB tiny guests ({ReplicasReady} replicas ready before):
          scale request -> all {Children} answering on their channels {ScaleToAllAnsweringMs / 1000,8:F1} s
          scale request -> pool reports {Children} ready            {ScaleToReadyMs / 1000,8:F1} s
          scale request -> first child answering             {FirstAnsweringMs / 1000,8:F1} s
          children per agent                                 {ChildrenPerAgent}
          children's memory (PSS, total)                     {ChildrenPssMib} MiB
          a VM's status, median of {Calls}: in-process {InProcessCallMedianUs:F0} us, through the agent (gRPC, mutual TLS) {AgentCallMedianUs:F0} us: +{AgentCallMedianUs - InProcessCallMedianUs:F0} us per call
        """;
}
