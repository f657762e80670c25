using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using CloudController.Api.V1;
using Google.Protobuf.WellKnownTypes;

namespace CloudController.Api.Watching;

/// <summary>
/// Subscribes to this node's view of the cluster and passes each member, reachability and leader event to one
/// watching call; it starts with one event per current member. Stopped when the call ends.
/// </summary>
public sealed class ClusterEventRelay : ReceiveActor
{
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public ClusterEventRelay(ChannelWriter<V1.ClusterEvent> events)
    {
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(e => events.TryWrite(Event(e.GetType().Name, e.Member.Address, e.Member.Status)));
        Receive<Akka.Cluster.ClusterEvent.UnreachableMember>(e => events.TryWrite(Event("Unreachable", e.Member.Address, e.Member.Status)));
        Receive<Akka.Cluster.ClusterEvent.ReachableMember>(e => events.TryWrite(Event("Reachable", e.Member.Address, e.Member.Status)));
        Receive<Akka.Cluster.ClusterEvent.LeaderChanged>(e => events.TryWrite(Event("LeaderChanged", e.Leader, null)));
    }

    public static Props Props(ChannelWriter<V1.ClusterEvent> events) => Akka.Actor.Props.Create(() => new ClusterEventRelay(events));

    protected override void PreStart() => _cluster.Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(Akka.Cluster.ClusterEvent.IMemberEvent), typeof(Akka.Cluster.ClusterEvent.IReachabilityEvent), typeof(Akka.Cluster.ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private static V1.ClusterEvent Event(string kind, Address? address, MemberStatus? status) => new()
    {
        At = Timestamp.FromDateTime(DateTime.UtcNow),
        Kind = kind,
        Address = address?.ToString() ?? "",
        Status = status?.ToString() ?? "",
    };
}
