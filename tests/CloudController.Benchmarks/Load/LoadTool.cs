using System.Diagnostics;
using System.Text.Json;
using CloudController.Api.V1;
using CloudController.Node;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// Drives a node through its gRPC API the way its users do and measures what they would see: throughput, latency
/// percentiles and errors. Every stage runs through the persisted pipeline; nothing is short-circuited.
/// </summary>
public static class LoadTool
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (options.Scenario == "qemu")
        {
            var measured = await QemuMeasurement.RunAsync(options.Count);
            Console.WriteLine(measured);
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(measured, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        if (options.Scenario == "qemu-agents")
        {
            var measured = await QemuAgentsMeasurement.RunAsync(options.Count);
            Console.WriteLine(measured);
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(measured, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var dataDir = Path.Combine(Path.GetTempPath(), $"cc-load-{Guid.NewGuid():N}");
        if (options.Scenario == "recovery")
        {
            if (options.Endpoint is not null)
            {
                Console.Error.WriteLine("recovery restarts the node it starts itself; it takes no --endpoint.");
                return 2;
            }
            var recovered = await RecoveryAsync(options, dataDir);
            Console.WriteLine(recovered);
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(recovered, new JsonSerializerOptions { WriteIndented = true }));
            TryDelete(dataDir);
            return 0;
        }
        if (options.Scenario == "watch")
        {
            if (options.Endpoint is not null)
            {
                Console.Error.WriteLine("watch measures the node it starts itself (its CPU, its daemons' tokens); it takes no --endpoint.");
                return 2;
            }
            await using var watched = await StartNodeAsync(options, dataDir);
            using var watchChannel = GrpcChannel.ForAddress(watched.Endpoint);
            var measuredWatch = await WatchLoad.RunAsync(watchChannel, watched, options);
            Console.WriteLine(measuredWatch);
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(measuredWatch, new JsonSerializerOptions { WriteIndented = true }));
            TryDelete(dataDir);
            return 0;
        }
        if (options.Scenario == "idle")
        {
            if (options.Endpoint is not null)
            {
                Console.Error.WriteLine("idle measures the node it starts itself (its CPU, its fleet view); it takes no --endpoint.");
                return 2;
            }
            await using var idle = await StartNodeAsync(options, dataDir);
            var measuredIdle = await IdleLoad.RunAsync(idle, options.Hosts, TimeSpan.FromSeconds(60));
            Console.WriteLine(measuredIdle);
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(measuredIdle, new JsonSerializerOptions { WriteIndented = true }));
            TryDelete(dataDir);
            return 0;
        }
        await using var node = options.Endpoint is null ? await StartNodeAsync(options, dataDir) : null;
        var endpoint = options.Endpoint ?? node!.Endpoint.ToString();
        using var channel = GrpcChannel.ForAddress(endpoint);
        try
        {
            var result = options.Scenario switch
            {
                "pool" => await PoolAsync(channel, options, endpoint),
                "handout" => await HandOutAsync(channel, options, endpoint, node),
                _ => await ProvisionAsync(channel, options, endpoint),
            };
            Console.WriteLine(result);
            if (node is not null)
            {
                // The node runs in this process: its working set is this process's, less the client's small share.
                GC.Collect();
                Console.WriteLine($"working set of the process (node and client): {Environment.WorkingSet / 1024 / 1024} MiB");
            }
            await File.WriteAllTextAsync(options.ResultFile, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"Result written to {options.ResultFile}");
            return result.Errors == 0 ? 0 : 1;
        }
        finally
        {
            if (node is not null) TryDelete(dataDir);
        }
    }

    /// <summary>
    /// Scales a pool to N on a node, stops the node and starts it again on the same journal and fleet, and times the
    /// restart until the pool answers with every child ready and every host is back in the fleet view.
    /// </summary>
    private static async Task<RecoveryResult> RecoveryAsync(LoadOptions options, string dataDir)
    {
        var node = await StartNodeAsync(options, dataDir);
        var driver = node.Driver;
        string pool;
        using (var channel = GrpcChannel.ForAddress(node.Endpoint))
        {
            await PoolAsync(channel, options, node.Endpoint.ToString());
            pool = (await new Pools.PoolsClient(channel).ListPoolsAsync(new ListPoolsRequest())).Pools.Single().Name;
        }
        await node.DisposeAsync();

        var clock = Stopwatch.StartNew();
        await using var restarted = await ControllerNode.StartAsync(new NodeOptions("embedded", dataDir, "http://127.0.0.1:0", Settings(options)), driver,
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        var listening = clock.Elapsed;
        using var again = GrpcChannel.ForAddress(restarted.Endpoint);
        var pools = new Pools.PoolsClient(again);
        var hosts = new Hosts.HostsClient(again);
        TimeSpan? poolBack = null, hostsBack = null;
        while (poolBack is null || hostsBack is null)
        {
            if (poolBack is null)
            {
                try
                {
                    if ((await pools.GetPoolAsync(new GetPoolRequest { Name = pool })).Ready == options.Count) poolBack = clock.Elapsed;
                }
                catch (RpcException)
                {
                    // Not back yet.
                }
            }
            if (hostsBack is null && (await hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count == options.Hosts) hostsBack = clock.Elapsed;
            await Task.Delay(20);
        }
        return new RecoveryResult(options.Count, options.Hosts, listening.TotalSeconds, poolBack.Value.TotalSeconds, hostsBack.Value.TotalSeconds,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}", DateTimeOffset.UtcNow);
    }

    private static string[] Settings(LoadOptions options) =>
    [
        $"cloudcontroller.driver.simulated.hosts={options.Hosts}",
        // Enough cores that the fleet's memory, not its vCPUs, bounds a pool of forked children.
        "cloudcontroller.driver.simulated.cpu-cores=256",
        // The hand-out scenario needs its sets ready: a pool as big as the run, filled from the first token.
        "cloudcontroller.key-pool.fill-on-start=off",
        $"cloudcontroller.key-pool.high-water={Math.Max(100, options.Scenario == "handout" ? options.Count + 10 : 0)}",
        $"cloudcontroller.key-pool.max-size={Math.Max(5000, options.Count + 10)}",
        .. options.Settings,
    ];

    private static async Task<ControllerNode> StartNodeAsync(LoadOptions options, string dataDir)
    {
        var settings = Settings(options);
        var node = await ControllerNode.StartAsync(new NodeOptions("embedded", dataDir, "http://127.0.0.1:0", settings), null,
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        Console.WriteLine($"Started an embedded node with {options.Hosts} simulated hosts at {node.Endpoint}");
        var hosts = new Hosts.HostsClient(GrpcChannel.ForAddress(node.Endpoint));
        while ((await hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count < options.Hosts) await Task.Delay(100);
        return node;
    }

    /// <summary>
    /// Scales a pool from 0 to N and follows it on the watch stream. A child's latency is the time from the scale
    /// request until the ready count reached it: the wait an autoscaler sees for its k-th child.
    /// </summary>
    private static async Task<LoadResult> PoolAsync(GrpcChannel channel, LoadOptions options, string target)
    {
        var pools = new Pools.PoolsClient(channel);
        var suffix = DateTime.UtcNow.ToString("HHmmss");
        var model = await AddModelAsync(channel, suffix, memoryMib: 2048);
        await pools.DefineTemplateAsync(new DefineTemplateRequest
        {
            Name = $"load-tpl-{suffix}", Model = model,
            Customizations = { new ParentCustomization { Name = "add-data-disk", Reboots = 1 } },
        });
        var pool = $"load-{suffix}";
        await pools.CreatePoolAsync(new CreatePoolRequest
        {
            Name = pool, Template = $"load-tpl-{suffix}", NamePattern = $"load-{suffix}-{{n}}", IpRange = "10.64.0.0/12", Desired = 0,
        });

        var latencies = new List<double>(options.Count);
        using var watch = pools.WatchPool(new WatchPoolRequest { Name = pool });
        var cost = options.Endpoint is null ? ProcessCost.Start() : null;
        var clock = Stopwatch.StartNew();
        await pools.ScalePoolAsync(new ScalePoolRequest { Name = pool, Desired = options.Count });
        Pool? last = null;
        await foreach (var status in watch.ResponseStream.ReadAllAsync())
        {
            last = status;
            while (latencies.Count < Math.Min(status.Ready, options.Count)) latencies.Add(clock.Elapsed.TotalMilliseconds);
            if (status.Ready >= options.Count && status.Pending == 0) break;
        }
        clock.Stop();
        return LoadResult.From("pool 0->" + options.Count, latencies, last?.FailedTotal ?? 0, clock.Elapsed, target) with
        {
            Cost = cost?.Stop(options.Count),
        };
    }

    /// <summary>Provisions N VMs, a fixed number at a time; a VM's latency runs from its request to its task's end.</summary>
    private static async Task<LoadResult> ProvisionAsync(GrpcChannel channel, LoadOptions options, string target)
    {
        var provisioning = new Provisioning.ProvisioningClient(channel);
        var suffix = DateTime.UtcNow.ToString("HHmmss");
        var model = await AddModelAsync(channel, suffix, memoryMib: 1024);
        // The first provisionings compile the path (tiered JIT, its profiling tier included): a node that has run a
        // while does not pay that again, so they run first and are not counted.
        if (options.Warmup > 0)
        {
            var warm = await ProvisionManyAsync(provisioning, model, $"warm-{suffix}", options.Warmup, options.Concurrency);
            Console.WriteLine($"warm-up: {options.Warmup} provisioned first, not counted ({warm.Errors} errors)");
        }
        var cost = options.Endpoint is null ? ProcessCost.Start() : null;
        var (latencies, errors, wall) = await ProvisionManyAsync(provisioning, model, $"load-{suffix}", options.Count, options.Concurrency);
        return LoadResult.From($"provision x{options.Count} ({options.Concurrency} at a time)", latencies, errors, wall, target) with
        {
            Cost = cost?.Stop(options.Count),
        };
    }

    private static async Task<(List<double> Latencies, int Errors, TimeSpan Wall)> ProvisionManyAsync(
        Provisioning.ProvisioningClient provisioning, string model, string prefix, int count, int concurrency)
    {
        var latencies = new List<double>(count);
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var task = await provisioning.ProvisionAsync(new ProvisionRequest { Model = model, Hostname = $"{prefix}-{i}" }, cancellationToken: ct);
                using var call = provisioning.WatchTask(new WatchTaskRequest { TaskId = task.TaskId }, cancellationToken: ct);
                Api.V1.TaskStatus? end = null;
                await foreach (var status in call.ResponseStream.ReadAllAsync(ct)) end = status;
                if (end?.State != TaskState.Succeeded) throw new InvalidOperationException(end?.Error ?? "no status");
                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                Interlocked.Increment(ref errors);
            }
        });
        clock.Stop();
        return (latencies, errors, clock.Elapsed);
    }

    /// <summary>
    /// Issues N tokens, waits for the pool to hold N sets (timing the refill), then activates N agents, a fixed number
    /// at a time; an activation's latency is its Activate call, journal write included. On a node it started itself
    /// on SQLite, each activation is followed (untimed for it) by one timed commit of the journal's own kind, so the two
    /// are measured under the same load, disk and log, and the hand-out's p99 is reported as a ratio to the commit's.
    /// </summary>
    private static async Task<LoadResult> HandOutAsync(GrpcChannel channel, LoadOptions options, string target, ControllerNode? node)
    {
        var keyPool = new KeyPool.KeyPoolClient(channel);
        var activation = new Activation.ActivationClient(channel);
        var suffix = DateTime.UtcNow.ToString("HHmmss");
        // The first few hand-outs compile the sealing path (JIT): they run first and are not counted.
        const int warmUp = 10;
        var tokens = new string[options.Count + warmUp];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = (await keyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = $"load-{suffix}-{i}", Hostname = $"load-{suffix}-{i}", Ip = "10.0.0.1" })).Token;
        }
        var fill = Stopwatch.StartNew();
        var status = await keyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        var before = status.GeneratedTotal;
        while (status.Available < tokens.Length)
        {
            await Task.Delay(500);
            status = await keyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        }
        fill.Stop();
        Console.WriteLine($"refill: {status.GeneratedTotal - before} sets in {fill.Elapsed.TotalSeconds:F1} s = {(status.GeneratedTotal - before) / fill.Elapsed.TotalSeconds:F2} sets/s");

        var agentKeys = Enumerable.Range(0, tokens.Length).Select(_ =>
        {
            var generator = new Org.BouncyCastle.Crypto.Generators.X25519KeyPairGenerator();
            generator.Init(new Org.BouncyCastle.Crypto.Parameters.X25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
            return Google.Protobuf.ByteString.CopyFrom(((Org.BouncyCastle.Crypto.Parameters.X25519PublicKeyParameters)generator.GenerateKeyPair().Public).GetEncoded());
        }).ToArray();
        for (var i = options.Count; i < tokens.Length; i++)
            await activation.ActivateAsync(new ActivateRequest { Token = tokens[i], Hostname = $"load-{suffix}-{i}", Ip = "10.0.0.1", AgentPublicKey = agentKeys[i] });
        await using var probe = node is null ? null : await JournalCommitProbe.OpenAsync(node);
        if (probe is not null)
        {
            // The probe's first commits warm its own path as the hand-outs above warmed theirs.
            for (var i = 0; i < warmUp; i++) await probe.CommitAsync();
            probe.Reset();
        }
        var latencies = new List<double>(options.Count);
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, options.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await activation.ActivateAsync(new ActivateRequest { Token = tokens[i], Hostname = $"load-{suffix}-{i}", Ip = "10.0.0.1", AgentPublicKey = agentKeys[i] }, cancellationToken: ct);
                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref errors);
            }
            if (probe is not null) await probe.CommitAsync();
        });
        clock.Stop();
        return LoadResult.From($"handout x{options.Count} ({options.Concurrency} at a time)", latencies, errors, clock.Elapsed, target) with
        {
            JournalCommit = probe?.Measured(),
        };
    }

    /// <summary>A one-vCPU model of its own for the run, so that runs against a shared node never collide.</summary>
    internal static async Task<string> AddModelAsync(GrpcChannel channel, string suffix, long memoryMib)
    {
        var model = $"load-model-{suffix}";
        await new Catalog.CatalogClient(channel).AddModelAsync(new AddModelRequest
        {
            Name = model, Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server",
            Hardware = new Resources { CpuCores = 1, MemoryMib = memoryMib, DiskGib = 20 },
            Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
        });
        return model;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // The journal may be held a moment longer; it is a temp directory.
        }
    }
}
