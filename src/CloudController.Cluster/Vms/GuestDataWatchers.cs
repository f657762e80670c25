using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace CloudController.Cluster.Vms;

/// <summary>A VM's provisioning data changed (or its record went): published by its entity to every node's watchers.</summary>
public sealed record GuestDataChanged(string VmId, long Generation) : IClusterMessage;

/// <summary>
/// The guest agents watching their VM's data through this node: each is woken when its VM's entity announces a change,
/// wherever in the cluster the entity runs (a cluster-wide topic, so passivation and rebalancing lose no watcher), and
/// only then reads the entity. An idle agent costs nothing.
/// </summary>
public sealed class GuestDataWatchers
{
    public const string Topic = "guest-data";

    private readonly Dictionary<string, List<Channel<long>>> _byVm = new(StringComparer.Ordinal);

    public GuestDataWatchers(ActorSystem system)
    {
        var listener = system.ActorOf(Props.Create(() => new Listener(this)), "guest-data-watchers");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(Topic, listener));
    }

    /// <summary>Announces a change of <paramref name="vmId"/>'s data to every node's watchers.</summary>
    public static void Announce(ActorSystem system, string vmId, long generation) =>
        DistributedPubSub.Get(system).Mediator.Tell(new Publish(Topic, new GuestDataChanged(vmId, generation)));

    /// <summary>Starts watching; register before reading the data, so that no change falls between the read and the wait.</summary>
    public Watch Start(string vmId)
    {
        // One pending wake-up is enough: the watcher reads the latest data, whatever number of changes woke it.
        var changes = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_byVm)
        {
            if (!_byVm.TryGetValue(vmId, out var list)) _byVm[vmId] = list = [];
            list.Add(changes);
        }
        return new Watch(this, vmId, changes);
    }

    private void Notify(GuestDataChanged changed)
    {
        lock (_byVm)
        {
            if (!_byVm.TryGetValue(changed.VmId, out var list)) return;
            foreach (var changes in list) changes.Writer.TryWrite(changed.Generation);
        }
    }

    private void Stop(string vmId, Channel<long> changes)
    {
        lock (_byVm)
        {
            if (!_byVm.TryGetValue(vmId, out var list)) return;
            list.Remove(changes);
            if (list.Count == 0) _byVm.Remove(vmId);
        }
    }

    /// <summary>One agent's watch of its VM.</summary>
    public sealed class Watch(GuestDataWatchers watchers, string vmId, Channel<long> changes) : IDisposable
    {
        /// <summary>Waits until the VM's data is announced changed, or <paramref name="within"/> passed, or the call ended.</summary>
        public async Task ChangedAsync(TimeSpan within, CancellationToken ct)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(within);
            try
            {
                await changes.Reader.WaitToReadAsync(deadline.Token);
                changes.Reader.TryRead(out _);
            }
            catch (OperationCanceledException)
            {
                // The deadline or the end of the call: the caller reads again, or stops.
            }
        }

        public void Dispose() => watchers.Stop(vmId, changes);
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(GuestDataWatchers watchers)
        {
            Receive<GuestDataChanged>(watchers.Notify);
            Receive<SubscribeAck>(_ => { });
        }
    }
}
