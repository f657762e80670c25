using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.Metering;
using static CloudController.Cluster.Metering.UsageMeterProtocol;

namespace CloudController.Cluster.Metering;

/// <summary>
/// Meters usage per owner: samples what is in use (<see cref="UsageObserver"/>) at an interval, journals what
/// started and ended since the last sample, and answers reports from the ledger. A cluster singleton, so one meter
/// counts everything once; its journal makes the history outlive any node.
/// </summary>
public sealed class UsageMeterActor : RecordingActor, IWithTimers
{
    private sealed record Sample
    {
        public static readonly Sample Instance = new();
    }

    private sealed record SampleFailed(string Reason);

    private readonly UsageObserver _observer;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private UsageLedger _ledger = UsageLedger.Empty;
    private DateTimeOffset? _sampledAt;
    private bool _sampling;
    private long _snapshotAt;

    public UsageMeterActor(UsageObserver observer, ControllerSettings settings)
    {
        _observer = observer;
        _settings = settings;

        Recover<SnapshotOffer>(offer =>
        {
            _ledger = (UsageLedger)offer.Snapshot;
            _snapshotAt = offer.Metadata.SequenceNr;
        });
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            Timers.StartPeriodicTimer(Sample.Instance, Sample.Instance, _settings.Usage.SampleInterval);
            Self.Tell(Sample.Instance);
        });

        Command<Sample>(_ =>
        {
            if (_sampling) return;
            _sampling = true;
            _observer.ObserveAsync(_ledger.OpenSources().ToList()).PipeTo(Self, failure: ex => new SampleFailed(ex.Message));
        });
        Command<UsageObservation>(Meter);
        Command<SampleFailed>(f =>
        {
            _sampling = false;
            _log.Warning("Usage sample failed ({0}); the next one is in {1}", f.Reason, _settings.Usage.SampleInterval);
        });
        Command<GetUsage>(get => Sender.Tell(new UsageReport(get.From, get.To, _sampledAt,
            [.. _ledger.Report(get.From, get.To, DateTimeOffset.UtcNow, _ => true)])));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of the usage ledger failed: {0}", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public override string PersistenceId => "usage-meter";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(UsageObserver observer, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new UsageMeterActor(observer, settings));

    private void Meter(UsageObservation seen)
    {
        var events = _ledger.Reconcile(seen).ToList();
        if (_ledger.Prune(seen.At - _settings.Usage.Retention) is { } pruned) events.Add(pruned);
        RecordAll(events, () => Sampled(seen.At));
    }

    protected override void Apply(IDomainEvent e) => _ledger = _ledger.Apply(e);

    /// <summary>The ledger is snapshotted every few events, and the journal trimmed behind it.</summary>
    protected override void AfterRecord()
    {
        if (LastSequenceNr - _snapshotAt < _settings.Entities.SnapshotEvery) return;
        _snapshotAt = LastSequenceNr;
        SaveSnapshot(_ledger);
    }

    private void Sampled(DateTimeOffset at)
    {
        _sampledAt = at;
        _sampling = false;
    }
}
