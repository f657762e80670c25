using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Vms;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Vms;

/// <summary>
/// The record of one VM. Provisioning tasks change its life cycle; operators change its provisioning data, which it
/// pushes into the guest's channel while the VM runs. Its events are tagged so that every node's VM directory (the
/// read model behind listing) sees them.
/// </summary>
public sealed class VmActor : DecidingActor
{
    public const string Tag = "vm";

    private sealed record Pushed(long Generation, string? Failure);

    private readonly string _vmId;
    private readonly GuestChannel _channel;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private VmRecord? _record;

    public VmActor(string vmId, GuestChannel channel)
    {
        _vmId = vmId;
        _channel = channel;

        Recover<IDomainEvent>(Apply);

        Command<CreateVm>(Create);
        Command<PlaceVm>(p => Decide(r => r.Place(p.HostId, p.Hardware)));
        Command<StartDeletion>(d => Decide(r => r.StartDeletion(d.TaskId)));
        Command<StartMigration>(m => Decide(r => r.StartMigration(m.TaskId)));
        Command<CompleteMigration>(m => Decide(r => r.CompleteMigration(m.TaskId, m.HostId)));
        Command<CancelMigration>(m => Decide(r => r.CancelMigration(m.TaskId)));
        Command<MarkLost>(l => Decide(r => r.MarkLost(l.HostId, l.Reason, l.At)));
        Command<CaptureAsImage>(c => Decide(r => r.CaptureAsImage(c.ImageName)));
        Command<ReleaseFromLibrary>(c => Decide(r => r.ReleaseFromLibrary(c.ImageName)));
        Command<ChangeData>(c => Decide(r => r.ChangeData(c.Set, c.Removed, c.By, DateTimeOffset.UtcNow), Push));
        Command<AcknowledgeData>(a => Decide(r => r.AcknowledgeData(a.Generation, a.Failed)));
        Command<Pushed>(p =>
        {
            // The guest agent also watches the controller, so a missed push delays nothing; it is only logged.
            if (p.Failure is not null) _log.Warning("VM {0}: pushing generation {1} to its host failed: {2}", _vmId, p.Generation, p.Failure);
        });
        Command<RemoveVm>(r =>
        {
            if (_record is null)
            {
                Sender.Tell(new VmApplied(_vmId));
                Passivate();
                return;
            }
            Record(new VmRecordRemoved(r.Reason), () =>
            {
                // Its watchers read it once more, find it gone, and end.
                GuestDataWatchers.Announce(Context.System, _vmId, 0);
                Sender.Tell(new VmApplied(_vmId));
                Passivate();
            });
        });
        Command<GetVm>(_ =>
        {
            Sender.Tell(_record is null ? new VmNotFound(_vmId) : new VmStatus(_record));
            if (_record is null) Passivate();
        });
    }

    public override string PersistenceId => $"vm-{_vmId}";

    public static Props Props(string vmId, GuestChannel channel) => Akka.Actor.Props.Create(() => new VmActor(vmId, channel));

    /// <summary>A running VM gets its new data through its host's channel at once, and agents watching the controller are woken.</summary>
    private void Push(VmRecord vm)
    {
        GuestDataWatchers.Announce(Context.System, _vmId, vm.DataOrEmpty.Generation);
        if (vm is not { HostId: { } host, State: VmState.Running or VmState.Migrating }) return;
        var generation = vm.DataOrEmpty.Generation;
        _channel.PushAsync(host, vm, CancellationToken.None).PipeTo(Self,
            success: () => new Pushed(generation, null),
            failure: ex => new Pushed(generation, ex.Message));
    }

    private void Create(CreateVm create)
    {
        if (_record is not null)
        {
            Sender.Tell(_record.TaskId == create.Record.TaskId
                ? new VmApplied(_vmId)
                : new VmRefused(_vmId, $"VM {_vmId} already exists, created by task {_record.TaskId}"));
            return;
        }
        Record(new VmRecordCreated(create.Record), () => Sender.Tell(new VmApplied(_vmId)));
    }

    /// <summary>A command to a VM no record knows is answered so, and the entity goes.</summary>
    private void Decide(Func<VmRecord, Decision> decide, Action<VmRecord>? then = null)
    {
        if (_record is null)
        {
            Sender.Tell(new VmNotFound(_vmId));
            Passivate();
            return;
        }
        Decide(decide(_record), () => new VmApplied(_vmId), () => then?.Invoke(_record));
    }

    protected override void Apply(IDomainEvent e) => _record = e switch
    {
        VmRecordCreated created => created.Record,
        VmRecordRemoved => null,
        _ => _record?.Apply(e),
    };

    protected override object Refusal(string reason) => new VmRefused(_vmId, reason);

    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [Tag];

    private void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
