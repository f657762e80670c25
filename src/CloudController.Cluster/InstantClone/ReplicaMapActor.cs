using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.InstantClone;
using static CloudController.Cluster.InstantClone.ReplicaMapProtocol;
using ReplicaRemovedEvent = CloudController.Domain.InstantClone.ReplicaRemoved;

namespace CloudController.Cluster.InstantClone;

/// <summary>
/// One fork template and its replicas, host by host. Replicas for several hosts are made concurrently; a host's
/// replica is journaled as being made before any work starts, so concurrent requests for the same host share one
/// and a crash mid-way resumes it. A replica that cannot be made is taken apart again before the map forgets it.
/// </summary>
public sealed class ReplicaMapActor : DecidingActor
{
    private sealed record Built(string HostId);

    private sealed record BuildFailed(string HostId, string Reason);

    private sealed record TornDown(string HostId, string Reason, IActorRef? ReplyTo);

    /// <summary>The host refused (children still share the replica): it stays, ready.</summary>
    private sealed record RemovalRefused(string HostId, string Reason, IActorRef ReplyTo);

    private sealed record Waiting(IActorRef ReplyTo, ImmutableArray<string> HostIds);

    private readonly string _template;
    private readonly ReplicaBuilder _builder;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<Waiting> _waiting = [];
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);
    private ReplicaMap _map = ReplicaMap.Empty;

    /// <summary>Cancelled when the actor stops: its retries end with it (a replica left Creating is rebuilt or taken apart on recovery).</summary>
    private readonly CancellationTokenSource _stopped = new();

    public ReplicaMapActor(string template, ReplicaBuilder builder, ControllerSettings settings)
    {
        _template = template;
        _builder = builder;
        _settings = settings;

        Recover<SnapshotOffer>(offer => _map = (ReplicaMap)offer.Snapshot);
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            // A replica journaled as being made was interrupted: finish it.
            foreach (var replica in _map.Replicas.Values.Where(r => r.State == ReplicaState.Creating)) Build(replica);
        });

        Command<DefineTemplate>(define => Decide(_map.Define(define.Definition), () => new ReplicaMapStatus(_map)));
        Command<GetReplicaMap>(_ => Sender.Tell(_map.Template is null ? new TemplateNotFound(_template) : new ReplicaMapStatus(_map)));
        Command<EnsureReplicas>(Ensure);
        Command<Built>(b => Record(_map.MarkReady(b.HostId).Event, Answer));
        Command<BuildFailed>(f =>
        {
            _log.Warning("Replica of template {0} on host {1} failed: {2}; taking it apart", _template, f.HostId, f.Reason);
            TearDown(_map.Replicas[f.HostId], f.Reason, null);
        });
        Command<TornDown>(t =>
        {
            _failures[t.HostId] = t.Reason;
            Record(_map.Remove(t.HostId, t.Reason).Event, () =>
            {
                t.ReplyTo?.Tell(new ReplicaMapProtocol.ReplicaRemoved(_template, t.HostId));
                Answer();
            });
        });
        Command<RemoveReplica>(remove =>
        {
            if (!_map.Replicas.TryGetValue(remove.HostId, out var replica))
            {
                Sender.Tell(new ReplicaMapProtocol.ReplicaRemoved(_template, remove.HostId));
                return;
            }
            if (replica.State != ReplicaState.Ready)
            {
                Sender.Tell(new ReplicaMapRefused(_template, $"the replica on {remove.HostId} is still being made"));
                return;
            }
            var replyTo = Sender;
            var hostId = remove.HostId;
            _builder.TearDownAsync(replica, CancellationToken.None).PipeTo(Self,
                success: () => new TornDown(hostId, "removed by request", replyTo),
                failure: ex => new RemovalRefused(hostId, ex.Message, replyTo));
        });
        Command<RemovalRefused>(r =>
            r.ReplyTo.Tell(new ReplicaMapRefused(_template, $"the replica on {r.HostId} stays: {r.Reason}")));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public override string PersistenceId => $"replica-map-{_template}";

    public static Props Props(string template, ReplicaBuilder builder, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new ReplicaMapActor(template, builder, settings));

    private void Ensure(EnsureReplicas ensure)
    {
        if (_map.Template is null)
        {
            Sender.Tell(new TemplateNotFound(_template));
            return;
        }
        var hostIds = ensure.HostIds.Distinct(StringComparer.Ordinal).ToImmutableArray();
        foreach (var hostId in hostIds) _failures.Remove(hostId);
        _waiting.Add(new Waiting(Sender, hostIds));
        var starting = hostIds.Select(h => _map.StartReplica(h).Event).OfType<IDomainEvent>().ToList();
        if (starting.Count == 0)
        {
            Answer();
            return;
        }
        // One journal write for every new replica of the request; then they are made side by side.
        PersistAll(starting, e =>
        {
            _map = _map.Apply(e);
            Build(_map.Replicas[((ReplicaCreating)e).HostId]);
        });
    }

    private void Build(Replica replica)
    {
        var template = _map.Template!;
        _builder.BuildAsync(template, replica, CancellationToken.None).PipeTo(Self,
            success: () => new Built(replica.HostId),
            failure: ex => new BuildFailed(replica.HostId, (ex as AggregateException)?.InnerException?.Message ?? ex.Message));
    }

    private void TearDown(Replica replica, string reason, IActorRef? replyTo) =>
        Retry(ct => _builder.TearDownAsync(replica, ct), _stopped.Token).PipeTo(Self,
            success: () => new TornDown(replica.HostId, reason, replyTo));

    /// <summary>An undo must happen: retried with backoff until it does, or until this actor stops.</summary>
    private async Task Retry(Func<CancellationToken, Task> undo, CancellationToken stopped)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await undo(stopped);
                return;
            }
            catch (Exception e) when (!stopped.IsCancellationRequested)
            {
                _log.Warning("Taking apart a replica of {0} failed (attempt {1}): {2}", _template, attempt, e.Message);
                await Task.Delay(_settings.Provisioning.Backoff(attempt), stopped);
            }
        }
    }

    protected override void PostStop()
    {
        _stopped.Cancel();
        base.PostStop();
    }

    /// <summary>Replies to every request whose hosts all have a ready replica or a failure now.</summary>
    private void Answer()
    {
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            var waiting = _waiting[i];
            var resolved = waiting.HostIds.All(h =>
                _map.Replicas.TryGetValue(h, out var r) ? r.State == ReplicaState.Ready : _failures.ContainsKey(h));
            if (!resolved) continue;
            var ready = waiting.HostIds.Where(h => _map.Replicas.ContainsKey(h)).ToImmutableDictionary(h => h, h => _map.Replicas[h].VmId);
            var failed = waiting.HostIds.Where(h => !_map.Replicas.ContainsKey(h)).ToImmutableDictionary(h => h, h => _failures[h]);
            waiting.ReplyTo.Tell(new ReplicasEnsured(_template, ready, failed));
            _waiting.RemoveAt(i);
        }
    }

    protected override void Apply(IDomainEvent e) => _map = _map.Apply(e);

    protected override object Refusal(string reason) => new ReplicaMapRefused(_template, reason);

    protected override void AfterRecord()
    {
        if (LastSequenceNr % _settings.Entities.SnapshotEvery == 0) SaveSnapshot(_map);
    }
}
