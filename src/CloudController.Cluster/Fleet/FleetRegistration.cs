using Akka.Actor;
using Akka.Event;
using CloudController.Cluster.Hosts;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Fleet;

/// <summary>
/// Registers the hosts the driver reaches with their <see cref="HostActor"/> entities at start and again
/// periodically, so that a host added to the fleet, or rebuilt with other hardware, is picked up.
/// Registration is idempotent, so every node may run one.
/// </summary>
public sealed class FleetRegistration : ReceiveActor, IWithTimers
{
    /// <summary>Discovers now, e.g. when a host agent has joined.</summary>
    public sealed record Discover
    {
        public static readonly Discover Instance = new();
    }

    private sealed record Discovered(IReadOnlyList<HostInventory> Hosts);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private int _knownHosts = -1;

    public FleetRegistration(IHypervisorDriver driver, IActorRef hosts, TimeSpan interval)
    {
        _interval = interval;
        Receive<Discover>(_ => driver.DiscoverHostsAsync(CancellationToken.None)
            .PipeTo(Self, success: found => new Discovered(found), failure: ex => new Status.Failure(ex)));
        Receive<Discovered>(d =>
        {
            foreach (var inventory in d.Hosts) hosts.Tell(new HostProtocol.RegisterHost(inventory));
            if (d.Hosts.Count != _knownHosts)
            {
                _log.Info("Driver {0} reaches {1} hosts", driver.Name, d.Hosts.Count);
                _knownHosts = d.Hosts.Count;
            }
        });
        Receive<Status.Failure>(f => _log.Warning("Discovering hosts through driver {0} failed: {1}", driver.Name, f.Cause.Message));
        Receive<HostProtocol.HostApplied>(_ => { });
        Receive<HostProtocol.HostRefused>(r => _log.Warning("Host {0} refused registration: {1}", r.HostId, r.Reason));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Self.Tell(Discover.Instance);
        Timers.StartPeriodicTimer(Discover.Instance, Discover.Instance, _interval);
    }

    public static Props Props(IHypervisorDriver driver, IActorRef hosts, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new FleetRegistration(driver, hosts, interval));
}
