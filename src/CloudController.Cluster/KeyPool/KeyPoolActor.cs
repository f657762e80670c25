using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.KeyPool;
using CloudController.FirstBoot;
using static CloudController.Cluster.KeyPool.KeyPoolProtocol;

namespace CloudController.Cluster.KeyPool;

/// <summary>
/// Keeps first-boot sets ready and hands each out once. Sets are generated on threads of the pool's own,
/// sealed under the node's storage key, and journaled; the pool fills to its high mark (or to the demand clients
/// announced) when it drops below its low mark. A hand-out is journaled before the set, completed, sealed to the
/// agent and signed, leaves, so a set that left once can never leave again; the journal is trimmed regularly so that a
/// handed-out set's sealed private material leaves storage as well.
/// It persists by hand, not through <see cref="RecordingActor"/>: a hand-out is applied when decided, before its
/// write (so the next one queued behind it cannot take the same set), and hand-outs that queue during a write are
/// journaled together without stopping commands (PersistAllAsync); the base applies after the write and stashes.
/// </summary>
public sealed class KeyPoolActor : ReceivePersistentActor, IWithTimers
{
    private sealed record Generated(StoredSet Set);

    private sealed record GenerationFailed(string Reason);

    private sealed record QueuedHandOut(SetHandedOut Event, IActorRef ReplyTo, Task<byte[]> Bundle);

    private sealed record Trim
    {
        public static readonly Trim Instance = new();
    }

    private sealed record Prune
    {
        public static readonly Prune Instance = new();
    }

    /// <summary>
    /// A trim writes a snapshot of every set still available (a megabyte for a few hundred), and hand-outs wait
    /// behind that write: so it waits for a pause in hand-outs this long, unless far too many have gone untrimmed.
    /// </summary>
    private static readonly TimeSpan TrimWhenQuietFor = TimeSpan.FromMilliseconds(250);

    private const int UntrimmedAtMost = 10;

    private readonly string _name;
    private readonly ControllerSecrets _secrets;
    private readonly KeyPoolSettings _settings;
    private readonly FirstBootSetGenerator _generator;
    private readonly GenerationThreads _threads;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<DateTime> _generatedAt = new();
    private readonly Queue<DateTime> _handedOutAt = new();
    private readonly List<QueuedHandOut> _queued = [];
    private bool _writing;
    private KeyPoolState _state = KeyPoolState.Empty;
    private bool _active;
    private bool _filling;
    private int _generating;
    private int _sinceTrim;
    private int _failures;
    private string? _lastFailure;

    public KeyPoolActor(string name, ControllerSecrets secrets, KeyPoolSettings settings)
    {
        _name = name;
        _secrets = secrets;
        _settings = settings;
        _generator = new FirstBootSetGenerator(settings.RsaBits);
        _threads = new GenerationThreads(settings.Parallelism, $"key-pool-{name}");
        _active = settings.FillOnStart;

        Recover<SnapshotOffer>(offer => _state = (KeyPoolState)offer.Snapshot);
        Recover<IDomainEvent>(e =>
        {
            _state = _state.Apply(e);
            // A pool that was ever used keeps itself filled after a restart.
            if (e is TokensIssued or SetHandedOut or DemandExpected) _active = true;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            Timers.StartPeriodicTimer(Prune.Instance, Prune.Instance, _settings.PruneEvery);
            Refill();
        });

        Command<IssueTokens>(Issue);
        Command<Activate>(HandOut);
        Command<RevokeTokens>(r =>
        {
            if (_state.Revoke(r.VmIds, r.Reason).Event is { } revoked) Persist(revoked, e => _state = _state.Apply(e));
        });
        Command<Prune>(_ =>
        {
            // Forgetting is written like any other change, so recovery forgets the same; the next trim keeps it out of the snapshot.
            if (_state.Prune(DateTimeOffset.UtcNow, _settings.SpentRetention).Event is not { } pruned) return;
            Persist(pruned, e =>
            {
                _state = _state.Apply(e);
                _sinceTrim++;
                TrimJournal();
            });
        });
        Command<ExpectDemand>(d =>
        {
            _active = true;
            if (_state.Demand.GetValueOrDefault(d.Source) == Math.Max(0, d.Count)) return;
            Persist(new DemandExpected(d.Source, d.Count), e =>
            {
                _state = _state.Apply(e);
                Refill();
            });
        });
        Command<Generated>(g =>
        {
            _generating--;
            Persist(new SetsStored([g.Set]), e =>
            {
                _state = _state.Apply(e);
                Stamp(_generatedAt);
                Refill();
            });
        });
        Command<GenerationFailed>(f =>
        {
            _generating--;
            _log.Error("Key pool {0}: generating a set failed: {1}", _name, f.Reason);
        });
        Command<ReportFailure>(r =>
        {
            if (_state.ReportRefusal(r.TokenHash) is { } refusal)
            {
                Sender.Tell(new ActivationRefused(refusal));
                return;
            }
            Sender.Tell(FailureRecorded.Instance);
            _failures++;
            _lastFailure = $"{r.Hostname}: {r.Reason}";
            _log.Warning("Key pool {0}: the agent of {1} did not install its set: {2}", _name, r.Hostname, r.Reason);
        });
        Command<GetStatus>(_ => Sender.Tell(Status()));
        Command<Trim>(_ => TrimJournal());
        Command<SaveSnapshotSuccess>(s =>
        {
            // The snapshot holds only sets still available: the journal before it, with the sealed private material of
            // every set handed out since, goes.
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning("Key pool {0}: snapshot failed: {1}", _name, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Key pool {0}: trimming the journal failed: {1}", _name, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => $"key-pool-{_name}";

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PostStop()
    {
        _threads.Dispose();
        base.PostStop();
    }

    public static Props Props(string name, ControllerSecrets secrets, KeyPoolSettings settings) =>
        Akka.Actor.Props.Create(() => new KeyPoolActor(name, secrets, settings));

    private void Issue(IssueTokens issue)
    {
        _active = true;
        var now = DateTimeOffset.UtcNow;
        var tokens = ImmutableDictionary.CreateBuilder<string, string>();
        var grants = ImmutableArray.CreateBuilder<TokenGrant>(issue.Vms.Length);
        foreach (var vm in issue.Vms)
        {
            var token = ActivationToken.New();
            tokens[vm.VmId] = token;
            grants.Add(new TokenGrant(ActivationToken.Hash(token), vm.VmId, vm.Hostname, vm.Ip, now, now + _settings.TokenLifetime));
        }
        // A VM that already held a token (a retried batch) loses it to the new one: the caller must deliver the new one.
        var granted = new TokensGranted(tokens.ToImmutable(), [.. issue.Vms.Select(v => v.VmId).Where(_state.HoldsToken)]);
        Persist(new TokensIssued(grants.MoveToImmutable()), e =>
        {
            _state = _state.Apply(e);
            Sender.Tell(granted);
            Refill();
        });
    }

    private void HandOut(Activate activate)
    {
        _active = true;
        var request = activate.Request;
        var decision = _state.HandOut(ActivationToken.Hash(request.Token), request.Hostname, request.Ip, DateTimeOffset.UtcNow);
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(new ActivationRefused(reason));
            Refill();
            return;
        }
        var stored = _state.Available.Peek();
        // Decided against every hand-out before it, written or still queued, so no set or token goes twice; nothing
        // leaves until the write. Should it fail, the pool restarts from the journal and these decisions are gone.
        _state = _state.Apply(decision.Event!);
        // The set is completed, sealed and signed off this thread while the hand-out is journaled: a hand-out costs
        // the longer of the two, not both.
        var storage = _secrets.Storage;
        var authority = _secrets.Authority;
        var bundle = Task.Run(() => BundleSealer.Seal(storage.Open(stored.SetId, stored.Sealed), request, authority).ToBytes());
        _queued.Add(new QueuedHandOut((SetHandedOut)decision.Event!, Sender, bundle));
        if (!_writing) WriteQueued();
    }

    /// <summary>Hand-outs that queued during the last write go in the next one together: under load one journal
    /// write serves many, where one write each would queue every hand-out behind all those before it.</summary>
    private void WriteQueued()
    {
        var batch = _queued.ToArray();
        _queued.Clear();
        _writing = true;
        var next = 0;
        PersistAllAsync(batch.Select(h => h.Event), _ =>
        {
            var handOut = batch[next++];
            Stamp(_handedOutAt);
            // Journaled: from here the set is spent whatever happens.
            handOut.Bundle.PipeTo(handOut.ReplyTo,
                success: bytes => new Activated(bytes),
                failure: ex => new ActivationRefused($"set {handOut.Event.HandOut.SetId} could not be completed and is burned: {ex.Message}"));
            _sinceTrim++;
            if (next < batch.Length) return;
            _writing = false;
            if (_queued.Count > 0) WriteQueued();
            else if (_sinceTrim >= _settings.TrimEvery * UntrimmedAtMost) TrimJournal();
            else if (_sinceTrim >= _settings.TrimEvery) Timers.StartSingleTimer(Trim.Instance, Trim.Instance, TrimWhenQuietFor);
            Refill();
        });
    }

    /// <summary>A refused write leaves decisions applied that the journal does not hold: start again from the journal.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"Key pool {_name}: the journal refused event {sequenceNr}; recovering from the journal.", cause);
    }

    /// <summary>The snapshot holds only what is journaled, so it waits while hand-outs are being written.</summary>
    private void TrimJournal()
    {
        Timers.Cancel(Trim.Instance);
        if (_sinceTrim == 0 || _writing) return;
        _sinceTrim = 0;
        SaveSnapshot(_state);
    }

    /// <summary>Starts generating when the pool is below its low mark (or demand raised its target), up to the target.</summary>
    private void Refill()
    {
        if (!_active) return;
        var target = _state.Target(_settings.LowWater, _settings.HighWater, _settings.MaxSize);
        var coming = _state.AvailableCount + _generating;
        if (_state.AvailableCount < _settings.LowWater || target > _settings.HighWater) _filling = true;
        if (coming >= target) _filling = false;
        if (!_filling) return;
        var generator = _generator;
        var storage = _secrets.Storage;
        while (_generating < _settings.Parallelism && _state.AvailableCount + _generating < target)
        {
            _generating++;
            var self = Self;
            _threads.Post(() =>
            {
                try
                {
                    var set = generator.Generate();
                    self.Tell(new Generated(new StoredSet(set.SetId, storage.Seal(set), set.GeneratedAt)));
                }
                catch (Exception ex)
                {
                    self.Tell(new GenerationFailed(ex.Message));
                }
            });
        }
    }

    private static void Stamp(Queue<DateTime> stamps)
    {
        var now = DateTime.UtcNow;
        stamps.Enqueue(now);
        while (stamps.Count > 0 && now - stamps.Peek() > RateWindow) stamps.Dequeue();
    }

    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    private static double Rate(Queue<DateTime> stamps)
    {
        if (stamps.Count < 2) return 0;
        var span = (DateTime.UtcNow - stamps.Peek()).TotalSeconds;
        return span <= 0 ? 0 : stamps.Count / span;
    }

    private KeyPoolStatus Status()
    {
        var handOutRate = Rate(_handedOutAt);
        var refillRate = Rate(_generatedAt);
        // Empties only if hand-outs outpace refills; null when it does not empty at this pace.
        double? toEmpty = handOutRate > refillRate ? _state.AvailableCount / (handOutRate - refillRate) : null;
        return new KeyPoolStatus(_state.AvailableCount, _state.Target(_settings.LowWater, _settings.HighWater, _settings.MaxSize),
            _settings.LowWater, _settings.HighWater, _generating, _state.GeneratedTotal, (int)_state.HandedOutTotal, _state.Tokens.Count,
            refillRate, handOutRate, toEmpty, _failures, _lastFailure);
    }
}
