using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Persistence.Journal;
using CloudController.Domain;
using CloudController.Domain.Vms;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Vms;

/// <summary>
/// The record of one VM. Only provisioning tasks change it; its events are tagged so that every node's VM directory
/// (the read model behind listing) sees them.
/// </summary>
public sealed class VmActor : ReceivePersistentActor
{
    public const string Tag = "vm";

    private readonly string _vmId;
    private VmRecord? _record;

    public VmActor(string vmId)
    {
        _vmId = vmId;

        Recover<VmRecordCreated>(e => _record = e.Record);
        Recover<VmRecordRemoved>(_ => _record = null);
        Recover<IDomainEvent>(e => _record = _record?.Apply(e));

        Command<CreateVm>(Create);
        Command<PlaceVm>(p => Decide(r => r.Place(p.HostId, p.Hardware)));
        Command<StartDeletion>(d => Decide(r => r.StartDeletion(d.TaskId)));
        Command<StartMigration>(m => Decide(r => r.StartMigration(m.TaskId)));
        Command<CompleteMigration>(m => Decide(r => r.CompleteMigration(m.TaskId, m.HostId)));
        Command<CancelMigration>(m => Decide(r => r.CancelMigration(m.TaskId)));
        Command<CaptureAsImage>(c => Decide(r => r.CaptureAsImage(c.ImageName)));
        Command<ReleaseFromLibrary>(c => Decide(r => r.ReleaseFromLibrary(c.ImageName)));
        Command<RemoveVm>(r =>
        {
            if (_record is null)
            {
                Sender.Tell(new Applied(_vmId));
                Passivate();
                return;
            }
            PersistTagged(new VmRecordRemoved(r.Reason), () =>
            {
                _record = null;
                Sender.Tell(new Applied(_vmId));
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

    public static Props Props(string vmId) => Akka.Actor.Props.Create(() => new VmActor(vmId));

    private void Create(CreateVm create)
    {
        if (_record is not null)
        {
            Sender.Tell(_record.TaskId == create.Record.TaskId
                ? new Applied(_vmId)
                : new Refused(_vmId, $"VM {_vmId} already exists, created by task {_record.TaskId}"));
            return;
        }
        PersistTagged(new VmRecordCreated(create.Record), () =>
        {
            _record = create.Record;
            Sender.Tell(new Applied(_vmId));
        });
    }

    private void Decide(Func<VmRecord, Decision> decide)
    {
        if (_record is null)
        {
            Sender.Tell(new VmNotFound(_vmId));
            return;
        }
        var decision = decide(_record);
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(new Refused(_vmId, reason));
            return;
        }
        if (decision.Event is not { } e)
        {
            Sender.Tell(new Applied(_vmId));
            return;
        }
        PersistTagged(e, () =>
        {
            _record = _record.Apply(e);
            Sender.Tell(new Applied(_vmId));
        });
    }

    private void PersistTagged(IDomainEvent e, Action then) => Persist(new Tagged(e, [Tag]), _ => then());

    private void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
