using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using CloudController.Cluster.Hosting;
using CloudController.Domain;
using CloudController.Domain.Storage;
using CloudController.Hypervisor;
using static CloudController.Cluster.Storage.StorageProtocol;

namespace CloudController.Cluster.Storage;

/// <summary>
/// The allocation table of the cluster's storage pools: allocations made at placement, released when a VM ends, and,
/// every interval, pools re-shared from what their VMs wrote since (the dynamic policy grows writers, shrinks idle
/// ones, never below what they hold).
/// </summary>
public sealed class StorageAllocationActor : DecidingActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Measured(string PoolId, ImmutableDictionary<string, long> UsedGib, IActorRef? ReplyTo);

    private readonly IHypervisorDriver _driver;
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, long> _lastUsed = new(StringComparer.Ordinal);
    private AllocationTable _table = AllocationTable.Empty;

    public StorageAllocationActor(IHypervisorDriver driver, ControllerSettings settings)
    {
        _driver = driver;
        _settings = settings;

        Recover<SnapshotOffer>(offer => _table = (AllocationTable)offer.Snapshot);
        Recover<IDomainEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_settings.Storage.RebalanceInterval > TimeSpan.Zero)
                Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Storage.RebalanceInterval);
        });

        Command<DefinePool>(d => Decide(_table.DefinePool(d.Pool), () => new StorageApplied(null)));
        Command<Allocate>(a => Decide(
            _table.Allocate(a.PoolId, a.HostId, a.Member, a.BaseImage, a.BaseImageGib, DateTimeOffset.UtcNow),
            () => new StorageApplied(_table.Allocations[a.Member.VmId])));
        Command<Release>(r => Decide(_table.Release(r.VmId, DateTimeOffset.UtcNow), () => new StorageApplied(null)));
        Command<GetTable>(_ => Sender.Tell(new TableStatus(_table)));
        Command<RebalancePool>(r => Measure(r.PoolId, Sender));
        Command<Tick>(_ =>
        {
            foreach (var pool in _table.Pools.Values.Where(p => p.Policy == AllocationPolicy.Dynamic)) Measure(pool.Id, null);
        });
        Command<Measured>(Rebalance);
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public override string PersistenceId => "storage-allocations";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IHypervisorDriver driver, ControllerSettings settings) =>
        Akka.Actor.Props.Create(() => new StorageAllocationActor(driver, settings));

    /// <summary>Asks each VM's host what its disk holds now, off the actor's thread.</summary>
    private void Measure(string poolId, IActorRef? replyTo)
    {
        var allocations = _table.Allocations.Values.Where(a => a.PoolId == poolId && a.HostId.Length > 0).ToList();
        var driver = _driver;
        Task.WhenAll(allocations.Select(async a =>
            {
                try
                {
                    return (a.VmId, (await driver.GetVmAsync(a.HostId, a.VmId, CancellationToken.None))?.UsedDiskGib);
                }
                catch (HypervisorException)
                {
                    return (a.VmId, (long?)null); // a host that does not answer: its VMs keep their shares
                }
            }))
            .PipeTo(Self, success: used => new Measured(poolId,
                used.Where(u => u.Item2 is not null).ToImmutableDictionary(u => u.VmId, u => u.Item2!.Value), replyTo));
    }

    private void Rebalance(Measured measured)
    {
        var (events, problems) = _table.RebalancePool(measured.PoolId, measured.UsedGib, _lastUsed, DateTimeOffset.UtcNow);
        foreach (var problem in problems) _log.Warning("Storage pool {0}: {1}", measured.PoolId, problem);
        foreach (var (vm, used) in measured.UsedGib) _lastUsed[vm] = used;
        if (events.IsEmpty)
        {
            measured.ReplyTo?.Tell(new Rebalanced(0));
            return;
        }
        PersistAll(events, Apply);
        DeferAsync(events.Length, count =>
        {
            measured.ReplyTo?.Tell(new Rebalanced(count));
            if (LastSequenceNr % _settings.Entities.SnapshotEvery < count) SaveSnapshot(_table);
        });
    }

    protected override void Apply(IDomainEvent e) => _table = _table.Apply(e);

    protected override object Refusal(string reason) => new StorageRefused(reason);

    protected override void AfterRecord()
    {
        if (LastSequenceNr % _settings.Entities.SnapshotEvery == 0) SaveSnapshot(_table);
    }
}
