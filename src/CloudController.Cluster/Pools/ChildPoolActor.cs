using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.InstantClone;
using CloudController.Domain;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;
using static CloudController.Cluster.Pools.ChildPoolProtocol;

namespace CloudController.Cluster.Pools;

/// <summary>
/// A pool of forked children that reconciles toward its desired count, one batch at a time: decide (from the pool,
/// the fleet view and the template's replicas), journal the decision as one event, carry it out, journal the outcome.
/// Children mid-fork or mid-removal after a crash are carried on from the journal. Remembered, so that a pool keeps
/// reconciling after a restart without being asked.
/// </summary>
public sealed class ChildPoolActor : RecordingActor, IWithTimers
{
    public const string Tag = "pools";

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Observed(IReadOnlyList<Domain.Fleet.HostSnapshot> Hosts, ReplicaMap? Map);

    private sealed record BatchDone(BatchOutcome Forked, BatchOutcome Removed);

    private sealed record BatchInterrupted(string Reason);

    private sealed record Started(ImmutableArray<string> ChildIds, IActorRef ReplyTo);

    private readonly string _name;
    private readonly ChildLifecycle _lifecycle;
    private readonly IActorRef _fleetView;
    private readonly IActorRef _replicaMaps;
    private readonly IActorRef _keyPools;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ChildPool _pool = ChildPool.Empty;
    private bool _busy;
    private int _interruptions;
    private string? _shortfall;
    private long _snapshotAt;
    private int _announcedDemand = -1;

    public ChildPoolActor(
        string name, ChildLifecycle lifecycle, IActorRef fleetView, IActorRef replicaMaps, IActorRef keyPools, ControllerSettings settings)
    {
        _keyPools = keyPools;
        _name = name;
        _lifecycle = lifecycle;
        _fleetView = fleetView;
        _replicaMaps = replicaMaps;
        _settings = settings;

        Recover<SnapshotOffer>(offer =>
        {
            _pool = (ChildPool)offer.Snapshot;
            _snapshotAt = offer.Metadata.SequenceNr;
        });
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            if (!_pool.Exists) return;
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Pools.ReconcileInterval);
            Self.Tell(Tick.Instance);
        });

        Command<CreatePool>(create =>
        {
            var decision = _pool.Create(create.Definition);
            if (decision.Refusal is { } reason)
            {
                Sender.Tell(new PoolRefused(_name, reason));
                return;
            }
            Record(decision.Event, () =>
            {
                Sender.Tell(Status());
                Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Pools.ReconcileInterval);
                Self.Tell(Tick.Instance);
            });
        });
        Command<ScalePool>(scale => Decide(_pool.Scale(scale.Desired)));
        Command<DeletePool>(_ => Decide(_pool.Delete()));
        Command<SetAutoscaling>(set => Decide(_pool.SetAutoscaling(set.Autoscaling)));
        Command<GrowPool>(grow => Decide(_pool.Grow(grow.Delta)));
        Command<ShrinkPoolTarget>(shrink => Decide(_pool.ShrinkTarget(shrink.Delta)));
        Command<RemoveChildren>(remove => Decide(_pool.RemoveChildren(remove.ChildIds, remove.Reason)));
        Command<MarkChildrenLost>(lost => Decide(_pool.MarkLost(lost.HostId, lost.ChildIds, lost.Reason)));
        Command<StartChildren>(start =>
        {
            if (!_pool.Exists)
            {
                Sender.Tell(new PoolNotFound(_name));
                PassivateIfUndefined();
                return;
            }
            var replyTo = Sender;
            _lifecycle.StartAsync(_pool.Startable(start.Count).ToList(), CancellationToken.None)
                .PipeTo(Self, success: ids => new Started(ids, replyTo));
        });
        Command<Started>(started =>
        {
            if (started.ChildIds.IsEmpty)
            {
                started.ReplyTo.Tell(Status());
                return;
            }
            Record(new ChildrenStarted(started.ChildIds), () => started.ReplyTo.Tell(Status()));
        });
        Command<GetPool>(get =>
        {
            Sender.Tell(_pool.Exists ? Status(get.WithChildren) : new PoolNotFound(_name));
            PassivateIfUndefined();
        });
        Command<Tick>(_ => Reconcile());
        Command<Observed>(Plan);
        Command<BatchDone>(RecordOutcome);
        Command<BatchInterrupted>(i =>
        {
            _busy = false;
            _interruptions++;
            _log.Warning("Pool {0}: batch interrupted ({1}); trying again", _name, i.Reason);
            Timers.StartSingleTimer("retry", Tick.Instance, _settings.Provisioning.Backoff(_interruptions));
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr - 1));
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of pool {0} failed: {1}", _name, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public override string PersistenceId => $"pool-{_name}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        string name, ChildLifecycle lifecycle, IActorRef fleetView, IActorRef replicaMaps, IActorRef keyPools, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new ChildPoolActor(name, lifecycle, fleetView, replicaMaps, keyPools, settings));

    private void Decide(Decision decision)
    {
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(_pool.Exists ? new PoolRefused(_name, reason) : new PoolNotFound(_name));
            PassivateIfUndefined();
            return;
        }
        Record(decision.Event, () =>
        {
            Sender.Tell(Status());
            Self.Tell(Tick.Instance);
        });
    }

    /// <summary>A lookup of a pool that does not exist woke this entity; it must not stay, nor be remembered.</summary>
    private void PassivateIfUndefined()
    {
        if (!_pool.Exists && !_busy) Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));
    }

    /// <summary>Starts a round unless one runs: first finish what the journal says is in flight, else look and decide.</summary>
    private void Reconcile()
    {
        if (_busy || !_pool.Exists) return;
        _busy = true;
        if (_pool.Count(ChildState.Forking) > 0 || _pool.Count(ChildState.Removing) > 0)
        {
            CarryOut();
            return;
        }
        var listHosts = _fleetView.Ask<FleetViewProtocol.Hosts>(new FleetViewProtocol.ListHosts(), _settings.Entities.AskTimeout);
        var getMap = _replicaMaps.Ask<object>(new ReplicaMapProtocol.GetReplicaMap(_pool.Definition!.Template), _settings.Entities.AskTimeout);
        Task.WhenAll(listHosts, getMap).PipeTo(Self,
            success: () => new Observed(listHosts.Result.Snapshots, (getMap.Result as ReplicaMapProtocol.ReplicaMapStatus)?.Map),
            failure: ex => new BatchInterrupted(ex.Message));
    }

    private void Plan(Observed observed)
    {
        if (observed.Map?.Template is not { } template)
        {
            _shortfall = $"template {_pool.Definition!.Template} is not defined";
            _busy = false;
            return;
        }
        var withReplica = observed.Map.Replicas.Values.Where(r => r.State == ReplicaState.Ready).Select(r => r.HostId).ToHashSet(StringComparer.Ordinal);
        // Children still to fork will each ask the key pool for a set: say so, so that it has them ready.
        var missing = Math.Max(0, _pool.Desired - _pool.Count(ChildState.Ready));
        if (missing != _announcedDemand)
        {
            _announcedDemand = missing;
            _keyPools.Tell(new KeyPool.KeyPoolProtocol.ExpectDemand(KeyPool.KeyPoolProtocol.DefaultPool, $"pool:{_name}", missing));
        }
        var step = PoolReconciler.Plan(_pool, template, observed.Hosts, withReplica, template.ChildCost(_settings.Pools.ChildDiskGib),
            _settings.Pools.BatchSize, DateTimeOffset.UtcNow);
        _shortfall = step.Shortfall;
        if (step.IsEmpty)
        {
            _busy = false;
            if (_pool.Deleting && _pool.Children.IsEmpty) Record(new PoolDeleted(), () => Timers.CancelAll());
            return;
        }
        PersistAll(step.Events, Apply);
        // Deferred runs after every event of the batch is journaled: only then is the work done.
        DeferAsync(step, _ => CarryOut());
    }

    /// <summary>Forks the children being forked and removes the ones being removed (on hosts that answer).</summary>
    private void CarryOut()
    {
        var definition = _pool.Definition!;
        var forking = _pool.InState(ChildState.Forking).ToList();
        var removing = _pool.InState(ChildState.Removing).ToList();
        var fork = forking.Count == 0
            ? Task.FromResult(BatchOutcome.None)
            : _lifecycle.ForkAsync(definition, forking, CancellationToken.None);
        var remove = removing.Count == 0
            ? Task.FromResult(BatchOutcome.None)
            : _lifecycle.RemoveAsync(removing, CancellationToken.None);
        Task.WhenAll(fork, remove).PipeTo(Self,
            success: () => new BatchDone(fork.Result, remove.Result),
            failure: ex => new BatchInterrupted((ex as AggregateException)?.InnerException?.Message ?? ex.Message));
    }

    private void RecordOutcome(BatchDone done)
    {
        var record = _pool.RecordBatch(done.Forked, done.Removed, _interruptions);
        _interruptions = record.Interruptions;
        if (record.Events.IsEmpty)
        {
            Continue();
            return;
        }
        PersistAll(record.Events, Apply);
        // A failed or removed child's activation token must not outlive it.
        if (!record.Gone.IsEmpty)
            _keyPools.Tell(new KeyPool.KeyPoolProtocol.RevokeTokens(KeyPool.KeyPoolProtocol.DefaultPool, record.Gone, $"child of pool {_name} failed or removed"));
        DeferAsync(done, _ =>
        {
            // Pool events are large (a batch of children each): snapshot often so recovery replays few of them.
            if (LastSequenceNr - _snapshotAt >= _settings.Pools.SnapshotEvery)
            {
                _snapshotAt = LastSequenceNr;
                SaveSnapshot(_pool);
            }
            Continue();
        });
    }

    /// <summary>Next round now, or after a backoff when the last one failed or left children it could not remove.</summary>
    private void Continue()
    {
        _busy = false;
        if (_interruptions == 0) Self.Tell(Tick.Instance);
        else Timers.StartSingleTimer("retry", Tick.Instance, _settings.Provisioning.Backoff(_interruptions));
    }

    protected override void Apply(IDomainEvent e) => _pool = _pool.Apply(e);

    /// <summary>The pool directory follows pools being made and gone; their children's events are the pool's own.</summary>
    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => e is PoolCreated or PoolDeleted ? [Tag] : [];

    private PoolStatus Status(bool withChildren = false) => new(
        _pool.Definition!, _pool.Count(ChildState.Ready), _pool.RunningCount, _pool.Count(ChildState.Forking), _pool.Count(ChildState.Lost),
        _pool.Count(ChildState.Removing), _pool.FailedTotal, _pool.LastFailure, _shortfall, _pool.Deleting,
        withChildren ? _pool.Children.Values.ToList() : null, _pool.Incidents.Take(IncidentsListed).ToList());
}
