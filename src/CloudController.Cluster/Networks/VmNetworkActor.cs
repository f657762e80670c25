using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.Networks;
using CloudController.Domain.Provisioning;
using static CloudController.Cluster.Networks.VmNetworkProtocol;
using TaskProtocol = CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using VmProtocol = CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Cluster.Networks;

/// <summary>
/// A network of cooperating VMs provisioned as one unit: one provisioning task per member, started together and
/// followed; when all succeed the network is ready; when one fails, the others are aborted (still running) or
/// deleted (already made), until nothing of the network is left. Journaled, so a crash resumes where it was.
/// </summary>
public sealed class VmNetworkActor : RecordingActor, IWithTimers
{
    private sealed record Check
    {
        public static readonly Check Instance = new();
    }

    /// <summary>Each member's task (or, rolling back, its undo) as seen now; null where there is none.</summary>
    private readonly string _name;
    private readonly IActorRef _tasks;
    private readonly IActorRef _vms;
    private readonly IActorRef _quotas;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private VmNetwork? _network;
    private ImmutableDictionary<string, string> _states = ImmutableDictionary<string, string>.Empty;
    private bool _checking;

    public VmNetworkActor(string name, IActorRef tasks, IActorRef vms, IActorRef quotas, ControllerSettings settings)
    {
        _name = name;
        _tasks = tasks;
        _vms = vms;
        _quotas = quotas;
        _settings = settings;

        Recover<SnapshotOffer>(offer => _network = (VmNetwork)offer.Snapshot);
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ => Follow());

        Command<CreateNetwork>(create =>
        {
            if (_network is not null)
            {
                Sender.Tell(Status());
                return;
            }
            Record(new NetworkPlanned(create.Network, create.Members), () =>
            {
                Sender.Tell(Status());
                Follow();
            });
        });
        Command<GetNetwork>(_ => Sender.Tell(_network is null ? new NetworkNotFound(_name) : Status()));
        Command<Check>(_ =>
        {
            if (_checking || _network is null) return;
            _checking = true;
            LookAsync(_network).PipeTo(Self, failure: ex => new Status.Failure(ex));
        });
        Command<MembersSeen>(OnMembersSeen);
        Command<Quotas.QuotaProtocol.QuotaStatus>(_ => { });
        Command<Status.Failure>(f =>
        {
            _checking = false;
            _log.Warning("Network {0}: checking its members failed: {1}", _name, f.Cause.Message);
        });
    }

    public override string PersistenceId => $"network-{_name}";

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="quotas">The owners' quotas, given back the members' claims when nothing of the network is left.</param>
    public static Props Props(string name, IActorRef tasks, IActorRef vms, IActorRef quotas, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new VmNetworkActor(name, tasks, vms, quotas, settings));

    /// <summary>While it is not settled: (re)start its members' tasks (idempotent) and look at them regularly.</summary>
    private void Follow()
    {
        if (_network is not { Phase: NetworkPhase.Provisioning or NetworkPhase.RollingBack } network) return;
        if (network.Phase == NetworkPhase.Provisioning)
        {
            foreach (var m in network.Members)
                _tasks.Tell(new TaskProtocol.StartTask(m.TaskId, TaskKind.Provision, m.Vm, m.BaseImage, m.BaseImageGib));
        }
        Timers.StartPeriodicTimer(Check.Instance, Check.Instance, TimeSpan.FromMilliseconds(300));
    }

    private async Task<MembersSeen> LookAsync(VmNetwork network)
    {
        async Task<ProvisioningTask?> TaskOf(string taskId) =>
            await _tasks.Ask<object>(new TaskProtocol.GetTask(taskId), _settings.Entities.AskTimeout) is TaskProtocol.ProvisioningTaskStatus r ? r.Task : null;
        var tasks = ImmutableDictionary.CreateBuilder<string, ProvisioningTask?>();
        var undos = ImmutableDictionary.CreateBuilder<string, ProvisioningTask?>();
        var left = ImmutableHashSet.CreateBuilder<string>();
        foreach (var m in network.Members)
        {
            tasks[m.Plan.Role] = await TaskOf(m.TaskId);
            if (network.Phase != NetworkPhase.RollingBack) continue;
            undos[m.Plan.Role] = await TaskOf(VmNetwork.UndoTaskId(m.TaskId));
            if (await _vms.Ask<object>(new VmProtocol.GetVm(m.VmId), _settings.Entities.AskTimeout) is VmProtocol.VmStatus) left.Add(m.Plan.Role);
        }
        return new MembersSeen(tasks.ToImmutable(), undos.ToImmutable(), left.ToImmutable());
    }

    private void OnMembersSeen(MembersSeen seen)
    {
        _checking = false;
        var check = NetworkCheck.Of(_network!, seen);
        _states = check.States;
        foreach (var m in check.ToAbort) _tasks.Tell(new TaskProtocol.AbortTask(m.TaskId, "another member of its network failed"));
        foreach (var m in check.ToDelete) DeleteAsync(m).PipeTo(Self, failure: ex => new Status.Failure(ex));
        switch (check.Event)
        {
            case NetworkReady or NetworkRolledBack: Settle(check.Event); break;
            case { } e: Record(e, () => { }); break;
        }
    }

    private async Task<Check> DeleteAsync(NetworkMemberRecord member)
    {
        if (await _vms.Ask<object>(new VmProtocol.GetVm(member.VmId), _settings.Entities.AskTimeout) is VmProtocol.VmStatus { Record: var record })
            _tasks.Tell(new TaskProtocol.StartTask(VmNetwork.UndoTaskId(member.TaskId), TaskKind.Delete, record, "", 0));
        return Check.Instance;
    }

    protected override void Apply(IDomainEvent e) => _network = VmNetwork.Apply(_network, e);

    private void Settle(IDomainEvent e) => Record(e, () =>
    {
        Timers.Cancel(Check.Instance);
        _log.Info("Network {0} is {1}", _name, _network!.Phase);
        if (_network.Phase == NetworkPhase.RolledBack) ReleaseQuota(_network);
    });

    /// <summary>
    /// Nothing of the network is left: every member's claim is given back. A member's own task has given back its
    /// claim already when it rolled back or was deleted; this covers one whose task never started (a release is idempotent).
    /// </summary>
    private void ReleaseQuota(VmNetwork network)
    {
        foreach (var m in network.Members)
            if (m.Vm.Owner is { } owner) _quotas.Tell(new Quotas.QuotaProtocol.Release(owner, m.VmId));
    }

    private NetworkStatus Status() => new(_network!, _states);
}
