using System.Collections.Immutable;

namespace CloudController.Domain.Vms;

public enum VmState
{
    /// <summary>A task is creating it; it may still be rolled back.</summary>
    Provisioning,
    Running,
    /// <summary>A task is removing it.</summary>
    Deleting,
    /// <summary>Kept suspended as the source of an instant-deploy image; protected until the image is removed.</summary>
    InstantImage,
    /// <summary>A task is moving it to another host; it keeps running on its host until the switch-over.</summary>
    Migrating,
    /// <summary>Its host, reconciling, no longer has it: the record stays (with why and when) until it is deleted.</summary>
    Lost,
}

/// <summary>Why and when a VM was found gone from its host.</summary>
public sealed record VmLoss(string Reason, DateTimeOffset At);

/// <summary>
/// The controller's record of one VM. It exists from the moment a provisioning task accepts the request (before
/// a host is chosen) until the VM is deleted or its provisioning rolled back. Its owner is the user who asked for it
/// (none when access control is off).
/// </summary>
public sealed record VmRecord(
    string VmId,
    string Hostname,
    string Model,
    Resources Hardware,
    VmState State,
    string? HostId,
    string DiskLayerId,
    string TaskId,
    DateTimeOffset CreatedAt,
    VmIdentity? Identity = null,
    string? Group = null,
    Placement.GroupPolicy GroupPolicy = Placement.GroupPolicy.None,
    string? InstantImageName = null,
    long? MinimumMemoryMib = null,
    Disks.DiskLayout DiskLayout = Disks.DiskLayout.PerHostCache,
    ProvisioningData? Data = null,
    long AppliedGeneration = 0,
    ImmutableSortedDictionary<string, string>? FailedKeys = null,
    string? StoragePool = null,
    string? StorageRole = null,
    string? Owner = null,
    VmLoss? Loss = null)
{
    /// <summary>
    /// A VM a task is about to create: provisioning, on no host yet, its disk named after it and its identity from its
    /// host name. Every way of provisioning starts from this and sets what it knows more.
    /// </summary>
    public static VmRecord ToProvision(string vmId, string taskId, string hostname, string model, Resources hardware, DateTimeOffset at) =>
        new(vmId, hostname, model, hardware, VmState.Provisioning, null, $"{vmId}-disk", taskId, at, VmIdentity.Assign(hostname));

    /// <summary>Its provisioning data, the empty set at generation 0 when none was ever given.</summary>
    public ProvisioningData DataOrEmpty => Data ?? ProvisioningData.Empty;

    public VmRecord Apply(IDomainEvent e) => e switch
    {
        VmPlaced p => this with { HostId = p.HostId, State = VmState.Running, Hardware = p.Hardware ?? Hardware },
        VmDeletionStarted d => this with { State = VmState.Deleting, TaskId = d.TaskId },
        VmCapturedAsImage c => this with { State = VmState.InstantImage, InstantImageName = c.ImageName },
        VmReleasedFromLibrary => this with { State = VmState.Running, InstantImageName = null },
        VmMigrationStarted m => this with { State = VmState.Migrating, TaskId = m.TaskId },
        VmMigrated m => this with { State = VmState.Running, HostId = m.HostId },
        VmMigrationCancelled => this with { State = VmState.Running },
        VmDataChanged d => this with { Data = new ProvisioningData(d.Generation, DataOrEmpty.Values.SetItems(d.Set).RemoveRange(d.Removed)) },
        VmDataApplied a => this with { AppliedGeneration = a.Generation, FailedKeys = a.Failed },
        VmLost l => this with { State = VmState.Lost, Loss = new VmLoss(l.Reason, l.At) },
        _ => this,
    };

    /// <summary>Records that the VM runs on its host; repeating it is a no-op.</summary>
    public Decision Place(string hostId, Resources? granted = null) => State switch
    {
        VmState.Running when HostId == hostId => Decision.AlreadyDone,
        VmState.Provisioning => Decision.Persist(new VmPlaced(hostId, granted == Hardware ? null : granted)),
        _ => Decision.Refuse($"the VM is {State}, not being provisioned"),
    };

    public Decision CaptureAsImage(string imageName) => State switch
    {
        VmState.InstantImage when InstantImageName == imageName => Decision.AlreadyDone,
        VmState.Running => Decision.Persist(new VmCapturedAsImage(imageName)),
        _ => Decision.Refuse($"the VM is {State}; only a running VM can be captured"),
    };

    public Decision ReleaseFromLibrary(string imageName) => State switch
    {
        VmState.InstantImage when InstantImageName == imageName => Decision.Persist(new VmReleasedFromLibrary(imageName)),
        VmState.Running => Decision.AlreadyDone,
        _ => Decision.Refuse($"the VM is {State}, not the source of instant image {imageName}"),
    };

    /// <summary>A new generation of provisioning data; allowed from the moment the record exists, before any host.</summary>
    /// <param name="by">Who asked, for the VM's history; null when access control is off.</param>
    public Decision ChangeData(IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> removed, string? by = null, DateTimeOffset? at = null)
    {
        if (State == VmState.Deleting) return Decision.Refuse($"the VM is being deleted by task {TaskId}");
        var current = DataOrEmpty;
        var effective = set.Where(s => !current.Values.TryGetValue(s.Key, out var v) || v != s.Value).ToDictionary();
        var gone = removed.Where(current.Values.ContainsKey).ToArray();
        if (effective.Count == 0 && gone.Length == 0) return Decision.AlreadyDone;
        return Decision.Persist(new VmDataChanged(current.Generation + 1,
            effective.ToImmutableSortedDictionary(StringComparer.Ordinal), [.. gone], at, by));
    }

    /// <summary>The guest says it applied a generation: recorded if it is newer than the last it reported.</summary>
    public Decision AcknowledgeData(long generation, IReadOnlyDictionary<string, string> failed)
    {
        if (generation > DataOrEmpty.Generation) return Decision.Refuse($"generation {generation} was never sent; the latest is {DataOrEmpty.Generation}");
        return generation <= AppliedGeneration
            ? Decision.AlreadyDone
            : Decision.Persist(new VmDataApplied(generation, failed.ToImmutableSortedDictionary(StringComparer.Ordinal)));
    }

    public Decision StartMigration(string taskId) => State switch
    {
        VmState.Migrating when TaskId == taskId => Decision.AlreadyDone,
        VmState.Running => Decision.Persist(new VmMigrationStarted(taskId)),
        VmState.Migrating => Decision.Refuse($"the VM is already being migrated by task {TaskId}"),
        VmState.InstantImage => Decision.Refuse($"the VM is the source of instant image {InstantImageName} and stays where it is"),
        _ => Decision.Refuse($"the VM is {State}; only a running VM can be migrated"),
    };

    /// <summary>The switch-over happened: the VM runs on <paramref name="hostId"/> now. Repeating it is a no-op.</summary>
    public Decision CompleteMigration(string taskId, string hostId) => State switch
    {
        VmState.Running when HostId == hostId => Decision.AlreadyDone,
        VmState.Migrating when TaskId == taskId => Decision.Persist(new VmMigrated(hostId)),
        _ => Decision.Refuse($"the VM is {State}, not being migrated by task {taskId}"),
    };

    /// <summary>The migration rolled back: the VM runs where it did. Repeating it is a no-op.</summary>
    public Decision CancelMigration(string taskId) => State switch
    {
        VmState.Migrating when TaskId == taskId => Decision.Persist(new VmMigrationCancelled(taskId)),
        _ => Decision.AlreadyDone,
    };

    /// <summary>
    /// Its host, reconciling, found it gone. Only a VM at rest there is lost: one mid-task (being created, migrated or
    /// deleted) is its task's to finish or roll back, and one recorded on another host was not this host's to lose.
    /// </summary>
    public Decision MarkLost(string hostId, string reason, DateTimeOffset at) => State switch
    {
        VmState.Lost when HostId == hostId => Decision.AlreadyDone,
        (VmState.Running or VmState.InstantImage) when HostId == hostId => Decision.Persist(new VmLost(hostId, reason, at)),
        VmState.Running or VmState.InstantImage or VmState.Lost => Decision.Refuse($"the VM is recorded on host {HostId}, not {hostId}"),
        _ => Decision.Refuse($"the VM is {State} (task {TaskId}); that task finishes or rolls it back"),
    };

    public Decision StartDeletion(string taskId) => State switch
    {
        VmState.Deleting when TaskId == taskId => Decision.AlreadyDone,
        // A lost VM is deleted like a running one: removing what its host no longer has succeeds.
        VmState.Running or VmState.Lost => Decision.Persist(new VmDeletionStarted(taskId)),
        VmState.Provisioning => Decision.Refuse($"the VM is being provisioned by task {TaskId}; abort that task instead"),
        VmState.Migrating => Decision.Refuse($"the VM is being migrated by task {TaskId}; wait for it or abort it"),
        VmState.InstantImage => Decision.Refuse(
            $"the VM is the source of instant image {InstantImageName}; remove the image first with `ccm instant remove {InstantImageName}`"),
        _ => Decision.Refuse($"the VM is already being deleted by task {TaskId}"),
    };
}

public sealed record VmRecordCreated(VmRecord Record) : IDomainEvent;

/// <summary>The VM runs on its host: its provisioning committed, with the hardware it was granted.</summary>
public sealed record VmPlaced(string HostId, Resources? Hardware = null) : IDomainEvent;

public sealed record VmDeletionStarted(string TaskId) : IDomainEvent;

public sealed record VmRecordRemoved(string Reason) : IDomainEvent;

/// <summary>The VM was suspended into the instant-deploy library as the source of an image.</summary>
public sealed record VmCapturedAsImage(string ImageName) : IDomainEvent;

/// <summary>The VM's image was removed from the library; the VM is back in service.</summary>
public sealed record VmReleasedFromLibrary(string ImageName) : IDomainEvent;

public sealed record VmMigrationStarted(string TaskId) : IDomainEvent;

/// <summary>The VM switched over to another host and runs there.</summary>
public sealed record VmMigrated(string HostId) : IDomainEvent;

public sealed record VmMigrationCancelled(string TaskId) : IDomainEvent;

/// <summary>Its host, reconciling, no longer has it.</summary>
public sealed record VmLost(string HostId, string Reason, DateTimeOffset At) : IDomainEvent;
