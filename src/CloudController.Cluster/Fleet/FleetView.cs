using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using CloudController.Cluster.Metrics;
using CloudController.Domain.Fleet;
using CloudController.Domain.Placement;
using static CloudController.Cluster.Fleet.FleetViewProtocol;

namespace CloudController.Cluster.Fleet;

/// <summary>
/// Each node's view of the fleet, fed by the status every <see cref="Hosts.HostActor"/> publishes on change and on
/// every monitoring tick. Placement decides here, in memory, without asking any host; the chosen host's ledger then
/// accepts or refuses the reservation, so a stale view costs a retry, never an overcommit.
/// </summary>
public sealed class FleetView : ReceiveActor
{
    public const string Topic = "fleet-status";

    /// <summary>Where a starting view asks every host for its status.</summary>
    public const string RefreshTopic = "fleet-status-refresh";

    private static readonly int[] RefreshAsksAfter = [0, 1, 2, 4, 8, 16];

    private readonly Dictionary<string, HostSnapshot> _hosts = new();
    private readonly PlacementPolicy _policy;

    public FleetView(PlacementPolicy policy)
    {
        _policy = policy;
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        mediator.Tell(new Subscribe(Topic, Self));

        // Hosts send their status only when it changes or at their refresh interval: once this view hears the topic,
        // it asks them all for it, so that it is whole at once; and asks again a few times, because a host's node
        // learns of this view's subscription by gossip and may drop what it sends before.
        var ask = new Hosts.HostProtocol.SendStatus(Self.Path.ToStringWithAddress());
        Receive<SubscribeAck>(_ =>
        {
            foreach (var seconds in RefreshAsksAfter)
                Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(seconds), mediator, new Publish(RefreshTopic, ask), Self);
        });
        Receive<Hosts.HostProtocol.HostStatus>(s =>
        {
            _hosts[s.Snapshot.HostId] = s.Snapshot;
            ControllerMetrics.FleetStatusReceived.Inc();
        });
        Receive<Place>(p => Sender.Tell(_policy.Decide(p.Request, _hosts.Values, p.MaxCandidates)));
        Receive<PlaceFlexibly>(p =>
        {
            var (decision, granted) = _policy.DecideWithFlexibleMemory(p.Request, p.Request.Amount.MemoryMib, p.MinimumMemoryMib, _hosts.Values);
            Sender.Tell(new FlexiblePlacement(decision, granted));
        });
        Receive<ListHosts>(_ => Sender.Tell(new FleetViewProtocol.Hosts(
            _hosts.Values.OrderBy(h => h.HostId, StringComparer.Ordinal).ToList())));
    }

    public static Props Props(PlacementPolicy policy) => Akka.Actor.Props.Create(() => new FleetView(policy));
}
