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
/// Keeps first-boot sets ready and hands each out once. Sets are generated off the actor's thread on every core,
/// sealed under the node's storage key, and journaled; the pool fills to its high mark (or to the demand clients
/// announced) when it drops below its low mark. A hand-out is journaled before the set is completed, sealed to the
/// agent and signed, so a set that left once can never leave again; the journal is trimmed regularly so that a
/// handed-out set's sealed private material leaves storage as well.
/// </summary>
public sealed class KeyPoolActor : ReceivePersistentActor
{
    private sealed record Generated(StoredSet Set);

    private sealed record GenerationFailed(string Reason);

    private readonly string _name;
    private readonly ControllerSecrets _secrets;
    private readonly KeyPoolSettings _settings;
    private readonly FirstBootSetGenerator _generator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<DateTime> _generatedAt = new();
    private readonly Queue<DateTime> _handedOutAt = new();
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
        _active = settings.FillOnStart;

        Recover<SnapshotOffer>(offer => _state = (KeyPoolState)offer.Snapshot);
        Recover<IDomainEvent>(e =>
        {
            _state = _state.Apply(e);
            // A pool that was ever used keeps itself filled after a restart.
            if (e is TokensIssued or SetHandedOut or DemandExpected) _active = true;
        });
        Recover<RecoveryCompleted>(_ => Refill());

        Command<IssueTokens>(Issue);
        Command<Activate>(HandOut);
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
            _failures++;
            _lastFailure = $"{r.Hostname}: {r.Reason}";
            _log.Warning("Key pool {0}: the agent of {1} did not install its set: {2}", _name, r.Hostname, r.Reason);
        });
        Command<GetStatus>(_ => Sender.Tell(Status()));
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
            grants.Add(new TokenGrant(ActivationToken.Hash(token), vm.VmId, vm.Hostname, vm.Ip, now));
        }
        var granted = new TokensGranted(tokens.ToImmutable());
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
        var replyTo = Sender;
        Persist(decision.Event!, e =>
        {
            _state = _state.Apply(e);
            Stamp(_handedOutAt);
            // Journaled: from here the set is spent whatever happens. The work of completing it runs off this thread.
            var storage = _secrets.Storage;
            var authority = _secrets.Authority;
            Task.Run(() => BundleSealer.Seal(storage.Open(stored.SetId, stored.Sealed), request, authority).ToBytes())
                .PipeTo(replyTo,
                    success: bundle => new Activated(bundle),
                    failure: ex => new ActivationRefused($"set {stored.SetId} could not be completed and is burned: {ex.Message}"));
            if (++_sinceTrim >= _settings.TrimEvery)
            {
                _sinceTrim = 0;
                SaveSnapshot(_state);
            }
            Refill();
        });
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
            Task.Run(() =>
            {
                var set = generator.Generate();
                return new StoredSet(set.SetId, storage.Seal(set), set.GeneratedAt);
            }).PipeTo(Self, success: set => new Generated(set), failure: ex => new GenerationFailed(ex.Message));
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
            _settings.LowWater, _settings.HighWater, _generating, _state.GeneratedTotal, _state.HandOuts.Count, _state.Tokens.Count,
            refillRate, handOutRate, toEmpty, _failures, _lastFailure);
    }
}
