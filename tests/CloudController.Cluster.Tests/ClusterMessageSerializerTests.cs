using System.Collections.Immutable;
using Akka.Actor;
using Akka.Serialization;
using CloudController.Cluster.Hosts;
using CloudController.Cluster.Pools;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.Serialization;
using CloudController.Domain;
using CloudController.Domain.AppLibrary;
using CloudController.Domain.Catalog;
using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;
using CloudController.Domain.InstantClone;
using CloudController.Domain.Pools;
using CloudController.Domain.Placement;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.Tests;

/// <summary>
/// Every kind of persisted event and snapshot survives the serializer unchanged: a type that does not round-trip
/// would make its entity unrecoverable.
/// </summary>
public class ClusterMessageSerializerTests(ClusterMessageSerializerTests.SerializationSystem system) : IClassFixture<ClusterMessageSerializerTests.SerializationSystem>
{
    /// <summary>One actor system with the controller's serialization bindings, shared by every case: nothing here needs a cluster.</summary>
    public sealed class SerializationSystem : IDisposable
    {
        public ActorSystem Sys { get; } = ActorSystem.Create("serialization", Cluster.Hosting.AkkaControllerExtensions.ReferenceConfig);

        public void Dispose() => Sys.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly VmRecord Vm = new("vm-1", "db-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning,
        null, "vm-1-disk", "task-1", At, new VmIdentity("m-1", "db-01", ["02:00:00:00:00:01"]), "db", GroupPolicy.AntiAffinity,
        null, 2048, DiskLayout.FullCopy);

    public static TheoryData<object> Persisted() =>
    [
        new TaskCreated("task-1", TaskKind.Provision, Vm, "ubuntu-24.04", 10, At,
            [new AppInstall("postgres", new AnswerFileTemplate("postgres", AnswerFileFormat.Shell, "x {{user}}"),
                ImmutableDictionary<string, string>.Empty.Add("user", "alice"))],
            new InstantImage("web-ready", "ubuntu", "general", "h1", "vm-0", new Resources(2, 4096, 40), "ubuntu-24.04", 10, At)),
        new HostChosen("h1", "most free memory", At, 3072),
        new StepFailed(TaskStep.InstallingApps, "injected", At),
        new VmPlaced("h1", new Resources(2, 3072, 40)),
        new VmCapturedAsImage("web-ready"),
        new ModelRegistered(new ModelVm("ubuntu", "ubuntu-24.04", ["nginx"], new Resources(2, 4096, 40), new Resources(1, 1024, 10),
            "img", At, new VmIdentity("m-0", "golden", ["52:54:00:00:00:01"]), "24.04.1", ["ubuntu"])),
        new AppDefined(new AppDefinition("redis", ["linux"], new Resources(1, 512, 1), 1.5,
            new AnswerFileTemplate("redis", AnswerFileFormat.Ini, "maxmemory={{maxmemory}}"))),
        new OsDefined(new OsDefinition("alpine-3.20", "linux", "", new Resources(1, 128, 1), 2)),
        new SoftwareEntryRemoved(SoftwareEntryKind.Profile, "tiny"),
        new CapacityReserved("task-1", new Resources(2, 4096, 40), At, "db"),
        HostLedger.Empty
            .Apply(new HostRegistered(new HostInventory("h1", "general", new Resources(8, 16384, 500), ["avx2"])))
            .Apply(new CapacityReserved("task-1", new Resources(2, 4096, 40), At, "db"))
            .Apply(new ReservationCommitted("task-1", "vm-1")),
        new DriftObserved(["vm-x"], ["vm-1"], At),
        new HostStateChanged(HostState.Maintenance, "firmware", At, "alice"),
        new HostReachabilityChanged(false, "silent for 30s", At),
        HostLedger.Empty
            .Apply(new HostRegistered(new HostInventory("h1", "general", new Resources(8, 16384, 500), ["avx2"])))
            .Apply(new HostStateChanged(HostState.Draining, "evacuating", At, "alice"))
            .Apply(new HostReachabilityChanged(false, "silent for 30s", At)),
        new HostProtocol.HostHistory("h1", [new HostStateChange(At, "maintenance", "firmware", "alice"), new HostStateChange(null, "active", "done", null)]),
        HostLedger.Empty.Apply(new DriftObserved(["vm-x"], [], At)),
        new ProvisioningTaskProtocol.ProvisioningTaskStatus(ProvisioningTask.Create(new TaskCreated("task-2", TaskKind.InstantDeploy, Vm, "ubuntu-24.04", 10, At))),
        new HostProtocol.Reserve("h1", "task-1", new Resources(2, 4096, 40), At, "db", true),
        new CapacityAllocated("web", ["web-1", "web-2"], new Resources(1, 64, 1)),
        new AllocationsReleased(["web-1"]),
        Template,
        ReplicaMap.Empty.Apply(Template).Apply(new ReplicaCreating("h1", "replica-web-tpl-h1")).Apply(new ReplicaReady("h1")),
        new ReplicaRemoved("h1", "failed"),
        Pool,
        new ChildrenPlanned([Child]),
        new ChildrenFailed(["web-1"], "fork refused"),
        ChildPool.Empty.Apply(Pool).Apply(new ChildrenPlanned([Child])).Apply(new ChildrenReady(["web-1"])),
        new ChildPoolProtocol.PoolStatus(Pool.Definition, 1, 1, 0, 0, 0, 0, null, null, false, [Child], [Child with { Failure = "fork refused" }]),
        new PoolAutoscalingSet(new PoolAutoscaling(1, 5)),
        new NamedChildrenRemoving(["web-1"], 0, "deleted by the cluster autoscaler"),
        new ChildrenStarted(["web-1"]),
        new VmDataChanged(2, ImmutableSortedDictionary<string, string>.Empty.Add("ip", "10.0.0.5"), ["app.old"]),
        new VmDataChanged(3, ImmutableSortedDictionary<string, string>.Empty.Add("ip", "10.0.0.6"), [], At, "alice"),
        new TaskCreated("task-3", TaskKind.Migrate, Vm, "", 0, At, TargetHostId: "h2", RequestedBy: "alice"),
        new VmDataApplied(2, ImmutableSortedDictionary<string, string>.Empty.Add("ssh.authorized-keys.bob", "no user bob")),
        new VmRecordCreated(Vm with { Data = new ProvisioningData(1, ImmutableSortedDictionary<string, string>.Empty.Add("hostname", "db-01")), StoragePool = "apps", StorageRole = "db" }),
        new Domain.KeyPool.SetsStored([new Domain.KeyPool.StoredSet(Guid.Parse("5f0c1b2e-1111-5222-8333-444455556666"), [1, 2, 3], At)]),
        new Domain.KeyPool.TokensIssued([new Domain.KeyPool.TokenGrant("ABCD", "vm-1", "db-01", "10.0.0.5", At, At.AddDays(1))]),
        new Domain.KeyPool.SetHandedOut(new Domain.KeyPool.HandOut(Guid.Parse("5f0c1b2e-1111-5222-8333-444455556666"), "vm-1", "ABCD", At)),
        new Domain.KeyPool.TokensRevoked(["vm-1"], "deleted by task t-1"),
        new Domain.KeyPool.KeyPoolPruned(At, At.AddDays(-7)),
        Domain.KeyPool.KeyPoolState.Empty
            .Apply(new Domain.KeyPool.SetsStored([new Domain.KeyPool.StoredSet(Guid.Parse("5f0c1b2e-1111-5222-8333-444455556666"), [1, 2, 3], At)]))
            .Apply(new Domain.KeyPool.TokensIssued([new Domain.KeyPool.TokenGrant("ABCD", "vm-1", "db-01", "10.0.0.5", At, At.AddDays(1))]))
            .Apply(new Domain.KeyPool.DemandExpected("pool:web", 20)),
        new Domain.Storage.StoragePoolDefined(StoragePool),
        new Domain.Networks.NetworkPlanned("shop", [new Domain.Networks.NetworkMemberRecord(
            new Domain.Networks.PlannedMember("db", "ubuntu", "shop-db", "10.0.1.10", ImmutableSortedDictionary<string, string>.Empty.Add("ip", "10.0.1.10")),
            Vm, "ubuntu-24.04", 10)]),
        new Domain.Networks.NetworkRollingBack("member db failed"),
        Domain.Storage.AllocationTable.Empty.Apply(new Domain.Storage.StoragePoolDefined(StoragePool))
            .Apply(new Domain.Storage.StorageAllocated(new Domain.Storage.Allocation("vm-1", "apps", "san-01", 100, new Domain.Storage.StorageMember("vm-1", 40, "db"), "img", 10, "h1"),
                ImmutableDictionary<string, long>.Empty, At)),
        new Domain.Storage.StorageRebalanced("san-01", [new Domain.Storage.StorageMember("vm-1", 50, Activity: 0.5)], ImmutableDictionary<string, long>.Empty.Add("vm-1", 120), At),
        new Domain.Access.UserAdded(new Domain.Access.ApiUser("ci-bot", Domain.Access.Role.Provisioner, true, "ab12", At)),
        new Domain.Access.UserRemoved("ci-bot"),
        new Domain.Access.TokenReplaced("ci-bot", "cd34", At),
        new Cluster.Access.AccessProtocol.AddUser("default", "ci-bot", Domain.Access.Role.Viewer, false, "ab12"),
        new Cluster.Access.AccessProtocol.Authenticated(new Domain.Access.ApiUser("ci-bot", Domain.Access.Role.Viewer, false, "ab12", At)),
        new Cluster.Access.AccessProtocol.AccessChanged(new Domain.Access.ApiUser("ci-bot", Domain.Access.Role.Viewer, true, "ab12", At)),
        new Cluster.Access.AccessProtocol.UserList([new Domain.Access.ApiUser("alice", Domain.Access.Role.Administrator, false, "ef56", At)]),
        new VmRecordCreated(Vm with { Owner = "alice" }),
        new PoolCreated(Pool.Definition with { Owner = "alice" }),
        new Domain.Metering.UsageStarted([Metered]),
        new Domain.Metering.UsageEnded(["vm:vm-1"], At),
        new Domain.Metering.UsagePruned(At),
        Domain.Metering.UsageLedger.Empty.Apply(new Domain.Metering.UsageStarted([Metered, Metered with { SubjectId = "pool:web:web-1", Source = "pool:web" }]))
            .Apply(new Domain.Metering.UsageEnded(["vm:vm-1"], At.AddHours(1))),
        new Cluster.Metering.UsageMeterProtocol.GetUsage(At, At.AddDays(1)),
        new Cluster.Metering.UsageMeterProtocol.UsageReport(At, At.AddDays(1), At, [new Domain.Metering.UsageRow("alice", 2, 1.5, 3, 6, 60, 1, new Resources(2, 4096, 40))]),
        new Domain.Audit.AuditRecorded(Audited),
        new Domain.Audit.AuditPruned(3),
        Domain.Audit.AuditTrail.Empty.Apply(new Domain.Audit.AuditRecorded(Audited)).Apply(new Domain.Audit.AuditRecorded(Audited with { Caller = null, Role = null })),
        new Audit.AuditProtocol.Record(Audited),
        new Audit.AuditProtocol.List(new Domain.Access.ApiUser("alice", Domain.Access.Role.Provisioner, false, "ab12", At), new Domain.Audit.AuditFilter("alice", "DeleteVm", At), 100),
        new Audit.AuditProtocol.Entries([Audited]),
        new Domain.Quotas.QuotaSet(new Domain.Quotas.QuotaLimits(10, 20, null, 400)),
        new Domain.Quotas.QuotaReserved("vm-1", new Domain.Quotas.QuotaClaim(1, 2, 4096, 40)),
        new Domain.Quotas.QuotaReleased("vm-1"),
        new Domain.Quotas.QuotaClaimsReserved(ImmutableDictionary<string, Domain.Quotas.QuotaClaim>.Empty.Add("vm-1", new Domain.Quotas.QuotaClaim(1, 2, 4096, 40))),
        new Quotas.QuotaProtocol.ReserveAll("alice", ImmutableDictionary<string, Domain.Quotas.QuotaClaim>.Empty.Add("vm-1", new Domain.Quotas.QuotaClaim(1, 2, 4096, 40))),
        new Quotas.QuotaProtocol.Reserve("alice", "vm-1", new Domain.Quotas.QuotaClaim(1, 2, 4096, 40)),
        new Quotas.QuotaProtocol.Release("alice", "vm-1"),
        new Quotas.QuotaProtocol.SetLimits("alice", Domain.Quotas.QuotaLimits.None),
        new Quotas.QuotaProtocol.GetQuota("alice"),
        new Quotas.QuotaProtocol.QuotaStatus("alice", new Domain.Quotas.QuotaLimits(10, null, null, null), new Domain.Quotas.QuotaClaim(1, 2, 4096, 40)),
        new Quotas.QuotaProtocol.QuotaRefused("quota vms of alice exceeded"),
    ];

    private static readonly Domain.Audit.AuditEntry Audited = new(At, "alice", "provisioner", "Vms/DeleteVm", ["id=vm-1"],
        Domain.Audit.AuditOutcome.Refused, "PermissionDenied: not alice's", "cleanup");

    private static readonly Domain.Metering.MeteredVm Metered = new("vm:vm-1", "alice", "vms", new Resources(2, 4096, 40), At);

    private static readonly Domain.Storage.StoragePool StoragePool = new("apps",
        [new Domain.Storage.Datastore("san-01", Domain.Storage.DatastoreKind.Shared, Domain.Storage.StorageMedia.Ssd, 200)],
        Domain.Storage.AllocationPolicy.Weighted, 1.5, 10, ImmutableDictionary<string, double>.Empty.Add("db", 3));

    private static readonly TemplateDefined Template = new(new ForkTemplate("web-tpl", "ubuntu", "img", 10, new Resources(2, 4096, 40), 64,
        [new ParentCustomization("add-data-disk", 2, "/data 20 GiB")]));

    private static readonly PoolCreated Pool = new(new PoolDefinition("web", "web-tpl", ["h1"], "web-{n}", "10.0.0.0/24", "corp", 3,
        SurplusOrder.Oldest, Persistent: true, PowerOnAhead: false));

    private static readonly PoolChild Child = new("web-1", 1, "web-1", "02:00:00:00:00:01", "10.0.0.1", Guid.Parse("5f0c1b2e-1111-5222-8333-444455556666"),
        "h1", ChildState.Forking, At);

    [Theory]
    [MemberData(nameof(Persisted))]
    public void Round_trips_unchanged(object original)
    {
        var serializer = (ClusterMessageSerializer)system.Sys.Serialization.FindSerializerFor(original);
        var bytes = serializer.ToBinary(original);
        var copy = serializer.FromBinary(bytes, serializer.Manifest(original));

        Assert.IsType(original.GetType(), copy);
        // Records holding immutable arrays compare those by reference, so compare what was written instead.
        Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(copy)));
    }

    [Fact]
    public void A_renamed_reply_keeps_the_manifest_it_had_so_nodes_of_either_version_read_it()
    {
        var renamed = new HostProtocol.HostRefused("h1", "full");
        var serializer = (ClusterMessageSerializer)system.Sys.Serialization.FindSerializerFor(renamed);
        Assert.Equal("Cluster.Hosts.HostProtocol+Refused", serializer.Manifest(renamed));
        // What a node of the version before wrote under that name reads as the renamed type.
        var fromOldNode = serializer.FromBinary("""{"hostId":"h1","reason":"full"}"""u8.ToArray(), "Cluster.Hosts.HostProtocol+Refused");
        Assert.Equal(renamed, fromOldNode);
    }
}
