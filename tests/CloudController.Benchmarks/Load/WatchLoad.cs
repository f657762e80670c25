using System.Collections.Concurrent;
using System.Diagnostics;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// N guest data daemons connected to one node: each holds a WatchData stream for its own VM and acknowledges every
/// generation it receives, as `cc-agent daemon` does on the wire (without applying anything). Measures the node's CPU
/// while they are all connected and nothing changes, then the time from `vm config set` to the daemon's acknowledgement.
/// </summary>
public static class WatchLoad
{
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(20);

    public static async Task<WatchResult> RunAsync(GrpcChannel channel, Node.ControllerNode node, LoadOptions options)
    {
        var daemons = options.Count;
        var provisioning = new Provisioning.ProvisioningClient(channel);
        var suffix = DateTime.UtcNow.ToString("HHmmss");
        var model = await LoadTool.AddModelAsync(channel, suffix, memoryMib: 1024);
        var vmIds = new ConcurrentBag<string>();
        var made = Stopwatch.StartNew();
        await Parallel.ForAsync(0, daemons, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (i, ct) =>
        {
            // A loaded machine may time a request out: that VM is tried again, under another name.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var task = await provisioning.ProvisionAsync(new ProvisionRequest { Model = model, Hostname = $"watch-{suffix}-{i}-{attempt}" }, cancellationToken: ct);
                    using var call = provisioning.WatchTask(new WatchTaskRequest { TaskId = task.TaskId }, cancellationToken: ct);
                    Api.V1.TaskStatus? end = null;
                    await foreach (var status in call.ResponseStream.ReadAllAsync(ct)) end = status;
                    if (end?.State != TaskState.Succeeded) continue;
                    vmIds.Add(task.VmId);
                    return;
                }
                catch (RpcException) when (attempt < 5)
                {
                    await Task.Delay(1000, ct);
                }
            }
        });
        var vms = new Vms.VmsClient(channel);
        // A first generation of data for each, so that every daemon has something to receive and acknowledge on connecting.
        await Parallel.ForEachAsync(vmIds, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (vmId, ct) =>
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await vms.SetVmConfigAsync(new SetVmConfigRequest { Id = vmId, Set = { ["app.load"] = "start" } }, cancellationToken: ct);
                    return;
                }
                catch (RpcException) when (attempt < 5)
                {
                    await Task.Delay(1000, ct);
                }
            }
        });
        Console.WriteLine($"{daemons} VMs provisioned in {made.Elapsed.TotalSeconds:F0} s");

        var secrets = node.Services.GetRequiredService<ControllerSecrets>();
        var guest = new GuestChannel.GuestChannelClient(channel);
        var acked = new ConcurrentDictionary<(string VmId, long Generation), long>();
        var connected = 0;
        using var stop = new CancellationTokenSource();
        var running = vmIds.Select(vmId => Task.Run(async () =>
        {
            var token = secrets.GuestTokenFor(vmId);
            var first = true;
            try
            {
                using var watch = guest.WatchData(new WatchDataRequest { VmId = vmId, Token = token }, cancellationToken: stop.Token);
                await foreach (var update in watch.ResponseStream.ReadAllAsync(stop.Token))
                {
                    if (first) Interlocked.Increment(ref connected);
                    first = false;
                    await guest.AcknowledgeDataAsync(new AcknowledgeDataRequest { VmId = vmId, Token = token, Generation = update.Generation }, cancellationToken: stop.Token);
                    acked[(vmId, update.Generation)] = Stopwatch.GetTimestamp();
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // The run is over.
            }
        })).ToList();
        while (Volatile.Read(ref connected) < daemons) await Task.Delay(100);
        Console.WriteLine($"{daemons} daemons connected and acknowledged their first generation");

        // Idle: every daemon connected, nothing changing. The node runs in this process; the daemons' side does nothing.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var idle = Stopwatch.StartNew();
        await Task.Delay(IdleWindow);
        process.Refresh();
        var idleCores = (process.TotalProcessorTime - cpuBefore).TotalSeconds / idle.Elapsed.TotalSeconds;
        Console.WriteLine($"idle: {idleCores:F3} cores over {idle.Elapsed.TotalSeconds:F0} s");

        // One change at a time, each to a different VM: from the set call's start to its daemon's acknowledgement.
        var ids = vmIds.ToArray();
        var changes = Math.Min(options.Changes, ids.Length);
        var latencies = new List<double>(changes);
        var errors = 0;
        for (var i = 0; i < changes; i++)
        {
            var vmId = ids[i * ids.Length / changes];
            var started = Stopwatch.GetTimestamp();
            try
            {
                var config = await vms.SetVmConfigAsync(new SetVmConfigRequest { Id = vmId, Set = { ["app.load"] = i.ToString() } });
                long at;
                while (!acked.TryGetValue((vmId, config.DesiredGeneration), out at)) await Task.Delay(1);
                latencies.Add(Stopwatch.GetElapsedTime(started, at).TotalMilliseconds);
            }
            catch (RpcException e)
            {
                errors++;
                Console.WriteLine($"set {i} on {vmId} failed: {e.Status.Detail}");
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(running);
        var result = LoadResult.From($"watch: {daemons} daemons, {changes} changes one at a time, set to acknowledgement", latencies, 0, TimeSpan.FromSeconds(1), channel.Target);
        return new WatchResult(daemons, IdleWindow.TotalSeconds, idleCores, result.Count, errors, result.P50Ms, result.P99Ms, result.MaxMs, result.Machine, DateTimeOffset.UtcNow);
    }
}

/// <summary>What the watch scenario measured.</summary>
public sealed record WatchResult(int Daemons, double IdleWindowSeconds, double IdleCores, int Changes, int Errors, double SetToAckP50Ms, double SetToAckP99Ms, double SetToAckMaxMs, string Machine, DateTimeOffset At)
{
    public override string ToString() =>
        $"watch: {Daemons} daemons connected; node CPU at idle {IdleCores:F3} cores ({IdleCores * IdleWindowSeconds:F1} CPU-s over {IdleWindowSeconds:F0} s); " +
        $"{Changes} vm config sets to acknowledgement p50 {SetToAckP50Ms:F1} ms, p99 {SetToAckP99Ms:F1} ms, max {SetToAckMaxMs:F1} ms; {Errors} errors";
}
