using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Akka.Hosting;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor;
using static CloudController.Cluster.Hosts.HostProtocol;
using ConfirmReservation = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol.ConfirmReservation;
using ReservationStillHeld = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol.ReservationStillHeld;

namespace CloudController.Cluster.Hosts;

/// <summary>
/// One hypervisor host: keeps its ledger of reservations and allocations (the last word on whether a VM fits),
/// monitors the host through the driver, and publishes its status to every node's <see cref="FleetView"/>. A host
/// silent for <c>fleet.unreachable-after</c> is offline; when it answers again (at its first answer after a node
/// took it, and every <c>fleet.reconcile-every</c>) it reconciles the VMs it has with its ledger, and the status names any drift (acted on in HostActor.Drift.cs).
/// </summary>
public sealed partial class HostActor : DecidingActor, IWithTimers
{
    private sealed record MonitorTick
    {
        public static readonly MonitorTick Instance = new();
    }

    private sealed record Observed(HostStatusReport Report);

    /// <summary>What the task answered; null when it did not answer in time.</summary>
    private sealed record LeaseChecked(string TaskId, bool? StillHeld);

    private readonly string _hostId;
    private readonly IHypervisorDriver _driver;
    private readonly ControllerSettings _settings;
    private readonly IActorRef _mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _leasesBeingChecked = [];
    private IActorRef? _tasks;
    private HostLedger _ledger = HostLedger.Empty;
    private HostStatusReport? _lastReport;
    private HostReachability _reachability = HostReachability.Started;
    private HostDrift _drift = HostDrift.None;
    private StatusPublication _publication;
    private IActorRef? _vms;

    /// <param name="tasks">The provisioning task region, asked about expired leases; resolved from the actor
    /// registry when not given.</param>
    /// <param name="vms">The VM region, asked whether a record knows a VM before it is destroyed, and told of lost
    /// ones; resolved likewise.</param>
    /// <param name="pools">The pool region, told of lost children; resolved likewise.</param>
    public HostActor(
        string hostId, IHypervisorDriver driver, ControllerSettings settings, IActorRef? tasks = null, IActorRef? vms = null, IActorRef? pools = null)
    {
        _hostId = hostId;
        _driver = driver;
        _settings = settings;
        _tasks = tasks;
        _vms = vms;
        _pools = pools;
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        _mediator.Tell(new Subscribe(FleetView.RefreshTopic, Self));
        // Ten checks of sending every time, while this node's pub-sub learns every view (gossip, about a second a round).
        _publication = StatusPublication.StartingAt(DateTimeOffset.UtcNow, settings.Fleet.MonitorInterval * 10);

        _ledger = _ledger with { CpuAllocationRatio = settings.Fleet.CpuAllocation.For(hostId) };
        // The ratio is configuration, so the one configured now wins over the one a snapshot was taken with.
        Recover<SnapshotOffer>(offer => _ledger = (HostLedger)offer.Snapshot with { CpuAllocationRatio = settings.Fleet.CpuAllocation.For(hostId) });
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<RegisterHost>(Register);
        Command<Reserve>(r => Decide(_ledger.Reserve(r.TaskId, r.Amount, r.LeaseExpiresAt, r.Group, r.AntiAffinity), Accepted));
        Command<ReleaseReservation>(r => Decide(_ledger.Release(r.TaskId, r.Reason), Accepted));
        Command<CommitReservation>(c => Decide(_ledger.Commit(c.TaskId, c.VmId), Accepted));
        Command<ReleaseAllocation>(r => Decide(_ledger.ReleaseAllocation(r.VmId), Accepted));
        Command<AllocateMany>(a => Decide(_ledger.AllocateMany(a.Group, a.VmIds, a.Each), Accepted));
        Command<ReleaseMany>(r => Decide(_ledger.ReleaseMany(r.VmIds), Accepted));
        Command<SetHostState>(s => Decide(_ledger.SetState(s.State, s.Reason, s.By, DateTimeOffset.UtcNow), Accepted));
        Command<GetHostHistory>(_ => Sender.Tell(_ledger.IsRegistered ? new HostHistory(_hostId, _ledger.StateHistory) : new HostNotFound(_hostId)));
        Command<GetHost>(_ => Sender.Tell(_ledger.IsRegistered ? Status() : new HostNotFound(_hostId)));
        Command<MonitorTick>(_ =>
        {
            // A driver call that hangs sends no failure: the window passing is enough to record the host offline.
            if (_reachability.IsUnreachable(DateTimeOffset.UtcNow, _settings.Fleet.UnreachableAfter))
            {
                RecordReachability($"silent for {_settings.Fleet.UnreachableAfter.TotalSeconds:0.#}s");
                Publish(onlyIfDue: true);
            }
            _driver.QueryHostStatusAsync(_hostId, CancellationToken.None)
                .PipeTo(Self, success: report => new Observed(report), failure: ex => new Status.Failure(ex));
            CheckExpiredLeases();
        });
        Command<LeaseChecked>(c =>
        {
            _leasesBeingChecked.Remove(c.TaskId);
            // No answer is no proof the task is gone: keep the reservation and ask again next tick.
            if (c.StillHeld is not { } stillHeld) return;
            var decision = stillHeld
                ? _ledger.RenewLease(c.TaskId, DateTimeOffset.UtcNow + _settings.Provisioning.ReservationLease)
                : _ledger.Release(c.TaskId, "its task no longer holds it");
            if (decision.Event is { } e) Record(e, () => { });
        });
        Command<Observed>(o =>
        {
            _lastReport = o.Report;
            (_reachability, var reconcile) = _reachability.Answered(DateTimeOffset.UtcNow, _settings.Fleet.UnreachableAfter, _settings.Fleet.ReconcileEvery);
            // Once drift is found, every answer reconciles again until it settles, so that lasting drift is acted on.
            if ((reconcile || _ledger.Watch.IsWatching) && o.Report.VmIds is { } vmIds) Reconcile(vmIds);
            RecordReachability("its driver reports it unreachable");
            Publish(onlyIfDue: true);
        });
        Command<SendStatus>(_ => Publish());
        Command<SubscribeAck>(_ => { });
        ReceiveDriftCommands();
        Command<Status.Failure>(f =>
        {
            // An unreachable host keeps its ledger; placement stops choosing it until it answers again.
            _log.Warning("Monitoring host {0} failed: {1}", _hostId, f.Cause.Message);
            _reachability = _reachability.Failed(DateTimeOffset.UtcNow);
            RecordReachability($"silent for {_settings.Fleet.UnreachableAfter.TotalSeconds:0.#}s: {f.Cause.Message}");
            Publish(onlyIfDue: true);
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of host {0} failed: {1}", _hostId, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Trimming the journal of host {0} failed: {1}", _hostId, f.Cause.Message));
    }

    public override string PersistenceId => $"host-{_hostId}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        string hostId, IHypervisorDriver driver, ControllerSettings settings, IActorRef? tasks = null, IActorRef? vms = null, IActorRef? pools = null) =>
        Akka.Actor.Props.Create(() => new HostActor(hostId, driver, settings, tasks, vms, pools));

    private void OnRecovered()
    {
        if (_ledger.IsRegistered) StartMonitoring();
    }

    private void Register(RegisterHost register)
    {
        if (_ledger.Inventory == register.Inventory)
        {
            Sender.Tell(new HostApplied(_hostId));
            return;
        }
        Decide(Decision.Persist(new HostRegistered(register.Inventory)), Accepted);
        StartMonitoring();
    }

    private HostApplied Accepted() => new(_hostId);

    protected override void Apply(IDomainEvent e) => _ledger = _ledger.Apply(e);

    protected override object Refusal(string reason) => new HostRefused(_hostId, reason);

    /// <summary>Every node's fleet view hears of each change at once.</summary>
    protected override void AfterRecord()
    {
        Publish();
        if (LastSequenceNr % _settings.Entities.SnapshotEvery == 0) SaveSnapshot(_ledger);
    }

    /// <summary>
    /// A lease runs out when its task has not been heard of for a while: ask the task. One that is gone (or never
    /// held it) gets its reservation reclaimed; one that still holds it gets a new lease.
    /// </summary>
    private void CheckExpiredLeases()
    {
        var expired = _ledger.ExpiredAt(DateTimeOffset.UtcNow).Where(r => !_leasesBeingChecked.Contains(r.TaskId)).ToList();
        if (expired.Count == 0) return;
        _tasks ??= ActorRegistry.For(Context.System).Get<ControllerActorKeys.Tasks>();
        foreach (var reservation in expired)
        {
            _leasesBeingChecked.Add(reservation.TaskId);
            var taskId = reservation.TaskId;
            _tasks.Ask<object>(new ConfirmReservation(taskId, _hostId), _settings.Entities.AskTimeout)
                .PipeTo(Self,
                    success: reply => reply is ReservationStillHeld
                        ? new LeaseChecked(taskId, true)
                        : new LeaseChecked(taskId, false),
                    failure: _ => new LeaseChecked(taskId, null));
        }
    }

    /// <summary>Journals the host going unreachable or answering again, as placement sees it (see <see cref="Status"/>).</summary>
    private void RecordReachability(string whyUnreachable)
    {
        var now = DateTimeOffset.UtcNow;
        var reachable = _lastReport is not { Reachable: false } && !_reachability.IsUnreachable(now, _settings.Fleet.UnreachableAfter);
        if (_ledger.ObserveReachability(reachable, reachable ? "answered again" : whyUnreachable, now).Event is { } e)
            Record(e, () => { });
    }

    private void StartMonitoring()
    {
        if (Timers.IsTimerActive(MonitorTick.Instance)) return;
        Self.Tell(MonitorTick.Instance);
        Timers.StartPeriodicTimer(MonitorTick.Instance, MonitorTick.Instance, _settings.Fleet.MonitorInterval);
    }

    private HostStatus Status()
    {
        var observedAt = _lastReport?.ObservedAt ?? DateTimeOffset.UtcNow;
        var snapshot = _ledger.ToSnapshot(_lastReport?.CpuLoad ?? 0, observedAt, _lastReport?.CachedImages?.ToImmutableHashSet());
        // A host that stopped answering is offline for placement, whatever its ledger says; offline as soon as, and only
        // once, its state history says so, so that no one sees it offline without the reason recorded.
        if (_lastReport is { Reachable: false } || _ledger.RecordedUnreachable)
            snapshot = snapshot with { State = HostState.Offline };
        return new HostStatus(_drift.IsEmpty ? snapshot : snapshot with { Drift = _drift });
    }

    /// <param name="onlyIfDue">After a routine check: send only what changed, or at the refresh interval.</param>
    private void Publish(bool onlyIfDue = false)
    {
        if (!_ledger.IsRegistered) return;
        var status = Status();
        var now = DateTimeOffset.UtcNow;
        if (onlyIfDue && !_publication.IsDue(status.Snapshot, now, _settings.Fleet.StatusRefreshInterval)) return;
        _publication = _publication.Sent(status.Snapshot, now);
        _mediator.Tell(new Publish(FleetView.Topic, status));
    }
}
