using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Placement;
using CloudController.Domain.Vms;
using static CloudController.Cluster.Fleet.FleetBalancerProtocol;

namespace CloudController.Cluster.Fleet;

/// <summary>
/// Keeps hosts under their load thresholds by migrating VMs off hot ones: on request, and every configured interval.
/// A cluster singleton, so that two nodes never plan moves for the same VMs at once.
/// </summary>
public sealed class FleetBalancer : ReceiveActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly IActorRef _fleetView;
    private readonly IActorRef _vmDirectory;
    private readonly IActorRef _tasks;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public FleetBalancer(IActorRef fleetView, IActorRef vmDirectory, IActorRef tasks, ControllerSettings settings)
    {
        _fleetView = fleetView;
        _vmDirectory = vmDirectory;
        _tasks = tasks;
        _settings = settings;

        ReceiveAsync<Rebalance>(async r => Sender.Tell(await RebalanceAsync(r)));
        ReceiveAsync<Tick>(async _ =>
        {
            var done = await RebalanceAsync(new Rebalance(_settings.Rebalancing.MemoryThreshold, _settings.Rebalancing.CpuThreshold, DryRun: false));
            foreach (var move in done.Moves) _log.Info("Rebalancing: migrating {0} from {1} to {2} ({3})", move.VmId, move.FromHostId, move.ToHostId, move.Reason);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef fleetView, IActorRef vmDirectory, IActorRef tasks, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new FleetBalancer(fleetView, vmDirectory, tasks, settings));

    protected override void PreStart()
    {
        if (_settings.Rebalancing.Interval > TimeSpan.Zero)
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Rebalancing.Interval);
    }

    private async Task<Rebalanced> RebalanceAsync(Rebalance request)
    {
        var hosts = await _fleetView.Ask<FleetViewProtocol.Hosts>(new FleetViewProtocol.ListHosts(), _settings.Entities.AskTimeout);
        var vms = (IReadOnlyList<VmRecord>)await _vmDirectory.Ask<object>(new ProjectionQuery<VmDirectory>(d => d.List(null)), _settings.Entities.AskTimeout);
        var byId = vms.ToDictionary(v => v.VmId, StringComparer.Ordinal);
        // Only running VMs of their own move; instant-image sources stay, and a VM in a task is that task's.
        var movable = vms.Where(v => v is { State: VmState.Running, HostId: not null })
            .Select(v => new MovableVm(v.VmId, v.HostId!, v.Hardware)).ToList();
        var moves = RebalancePlanner.Plan(hosts.Snapshots, movable, request.MemoryThreshold, request.CpuThreshold, _settings.Rebalancing.MaxMoves);
        if (request.DryRun) return new Rebalanced(moves, ImmutableDictionary<string, string>.Empty);

        var started = ImmutableDictionary.CreateBuilder<string, string>();
        foreach (var move in moves)
        {
            var taskId = $"rebalance-{move.VmId}-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
            await _tasks.Ask<object>(ProvisioningTaskProtocol.StartTask.Migration(taskId, byId[move.VmId], move.ToHostId, null), _settings.Entities.AskTimeout);
            started[move.VmId] = taskId;
        }
        return new Rebalanced(moves, started.ToImmutable());
    }
}
