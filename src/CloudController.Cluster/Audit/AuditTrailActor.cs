using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Audit;
using static CloudController.Cluster.Audit.AuditProtocol;

namespace CloudController.Cluster.Audit;

/// <summary>
/// The audit trail: journals each recorded call, forgets entries past the retention or over the bound (at each
/// record and hourly), and snapshots the bounded trail so that recovery replays few events and the journal is
/// trimmed behind it. A cluster singleton, so entries from every node land in one ordered trail.
/// </summary>
public sealed class AuditTrailActor : RecordingActor, IWithTimers
{
    private sealed record PruneNow
    {
        public static readonly PruneNow Instance = new();
    }

    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly AuditSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AuditTrail _trail = AuditTrail.Empty;
    private long _snapshotAt;

    public AuditTrailActor(AuditSettings settings)
    {
        _settings = settings;

        Recover<SnapshotOffer>(offer =>
        {
            _trail = (AuditTrail)offer.Snapshot;
            _snapshotAt = offer.Metadata.SequenceNr;
        });
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ => Timers.StartPeriodicTimer(PruneNow.Instance, PruneNow.Instance, TimeSpan.Zero, PruneInterval));

        Command<AuditProtocol.Record>(r => Record(new AuditRecorded(r.Entry), Prune));
        Command<PruneNow>(_ => Prune());
        Command<List>(l => Sender.Tell(new Entries([.. _trail.Visible(l.Viewer, l.Filter, l.Limit)])));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of the audit trail failed: {0}", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Trimming the audit trail's journal failed: {0}", f.Cause.Message));
    }

    public override string PersistenceId => "audit-trail";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AuditSettings settings) => Akka.Actor.Props.Create(() => new AuditTrailActor(settings));

    protected override void Apply(IDomainEvent e) => _trail = _trail.Apply(e);

    /// <summary>The bounded trail is snapshotted every few events, and the journal trimmed behind it.</summary>
    protected override void AfterRecord()
    {
        if (LastSequenceNr - _snapshotAt < _settings.SnapshotEvery) return;
        _snapshotAt = LastSequenceNr;
        SaveSnapshot(_trail);
    }

    private void Prune()
    {
        if (_trail.Prune(DateTimeOffset.UtcNow - _settings.Retention, _settings.MaxEntries) is { } pruned) Record(pruned, () => { });
    }
}
