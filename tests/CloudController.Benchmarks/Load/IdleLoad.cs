using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Metrics;
using CloudController.Node;
using Microsoft.Extensions.DependencyInjection;
using static CloudController.Cluster.Hosts.HostProtocol;

namespace CloudController.Benchmarks.Load;

/// <summary>What a node with a fleet and nothing asked of it costs: the monitoring every host does, and the status traffic it sends to every node's fleet view.</summary>
public sealed record IdleResult(int Hosts, double Seconds, double Cores, double StatusesPerSecond, int StatusBytes, double BytesPerSecond, string Machine, DateTimeOffset At)
{
    public override string ToString() =>
        $"idle with {Hosts} hosts, over {Seconds:F0} s: node CPU {Cores:F2} cores; host statuses to this node's fleet view {StatusesPerSecond:F0}/s " +
        $"x {StatusBytes} bytes = {BytesPerSecond / 1024:F0} KiB/s (each further node receives the same from every host)";
}

public static class IdleLoad
{
    /// <summary>Lets the node settle after start (every host registered and heard once), then measures a window with nothing asked.</summary>
    public static async Task<IdleResult> RunAsync(ControllerNode node, int hosts, TimeSpan window)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        var statuses = ControllerMetrics.FleetStatusReceived.Value;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var received = ControllerMetrics.FleetStatusReceived.Value - statuses;
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / clock.Elapsed;
        var perSecond = received / clock.Elapsed.TotalSeconds;
        var bytes = await StatusSizeAsync(node);
        return new IdleResult(hosts, clock.Elapsed.TotalSeconds, cores, perSecond, bytes, perSecond * bytes,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}", DateTimeOffset.UtcNow);
    }

    /// <summary>One host's status as it crosses to another node: serialized by the cluster's own serializer.</summary>
    private static async Task<int> StatusSizeAsync(ControllerNode node)
    {
        var system = node.Services.GetRequiredService<ActorSystem>();
        var view = node.Services.GetRequiredService<ActorRegistry>().Get<ControllerActorKeys.FleetView>();
        var fleet = await view.Ask<FleetViewProtocol.Hosts>(new FleetViewProtocol.ListHosts(), TimeSpan.FromSeconds(30));
        var status = new HostStatus(fleet.Snapshots[0]);
        return system.Serialization.FindSerializerFor(status).ToBinary(status).Length;
    }
}
