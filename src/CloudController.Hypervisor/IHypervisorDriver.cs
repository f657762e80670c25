using System.Collections.Immutable;
using CloudController.Domain;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor;

/// <summary>
/// The seam between the controller and the hypervisors it drives. One driver reaches every host of its fleet.
/// Every operation is idempotent for the same ids (creating what exists with the same definition, or removing
/// what is already gone, succeeds), because a provisioning task that resumes after a crash repeats the step it
/// was in, and a rollback may undo a step that never happened. Failures raise <see cref="HypervisorException"/>.
/// </summary>
public interface IHypervisorDriver
{
    string Name { get; }

    DriverCapabilities Capabilities { get; }

    /// <summary>The hosts this driver reaches, as they are built.</summary>
    Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct);

    /// <summary>What monitoring measures on a host now.</summary>
    Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct);

    /// <summary>Makes a base image available on a host as a read-only layer (a no-op when it already is).</summary>
    Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct);

    /// <summary>Creates a copy-on-write layer over a parent layer on a host.</summary>
    Task CreateDiskLayerAsync(string hostId, DiskLayerSpec spec, CancellationToken ct);

    /// <summary>Deletes a layer. Refused while a VM or another layer uses it.</summary>
    Task DeleteDiskLayerAsync(string hostId, string layerId, CancellationToken ct);

    /// <summary>Defines a VM on a host over its disk layer, powered off.</summary>
    Task RegisterVmAsync(string hostId, VmDefinition vm, CancellationToken ct);

    /// <summary>Removes a powered-off VM's definition from a host; its disk layers stay.</summary>
    Task UnregisterVmAsync(string hostId, string vmId, CancellationToken ct);

    Task PowerOnAsync(string hostId, string vmId, CancellationToken ct);

    Task PowerOffAsync(string hostId, string vmId, CancellationToken ct);

    /// <summary>Saves a running VM's memory and device state and stops it.</summary>
    Task SuspendAsync(string hostId, string vmId, CancellationToken ct);

    /// <summary>Resumes a suspended VM from its saved state.</summary>
    Task ResumeAsync(string hostId, string vmId, CancellationToken ct);

    /// <summary>
    /// Installs an app unattended in a running VM, from its installer and the answer file filled in for it.
    /// Installing an app the VM already has is a no-op.
    /// </summary>
    Task InstallAppAsync(string hostId, string vmId, GuestAppInstall install, CancellationToken ct);

    /// <summary>
    /// Copies a suspended VM to a host as a new suspended VM: its base image (unless the host has it), its own disk
    /// layer, and its saved memory and device state, ready to resume. Instant deploy is this, then resume.
    /// </summary>
    Task CloneSuspendedAsync(string sourceHostId, string sourceVmId, string targetHostId, VmDefinition clone, CancellationToken ct);

    /// <summary>
    /// Forks a child from a suspended parent on the same host: the child shares the parent's memory and disk
    /// copy-on-write and starts from the parent's saved state, without booting, reading its own guest data (its
    /// identity) from its own channel. The parent cannot resume, be powered off or unregistered while it has children.
    /// </summary>
    Task ForkAsync(string hostId, string parentVmId, VmDefinition child, ForkOptions options, CancellationToken ct);

    /// <summary>
    /// Applies a customization inside a running guest. One that needs reboots (new disks, controllers, redirected
    /// profiles) reboots the guest that many times; applying one the guest already has is a no-op.
    /// </summary>
    Task CustomizeGuestAsync(string hostId, string vmId, GuestCustomization customization, CancellationToken ct);

    /// <summary>
    /// Puts a VM's key/value data into the host's per-VM channel to its guest: a running guest sees it at once, a
    /// stopped one at its next start. Data of a generation not newer than what the channel holds is ignored.
    /// </summary>
    Task SetGuestDataAsync(string hostId, string vmId, GuestData data, CancellationToken ct);

    /// <summary>Makes a forked child independent: its own copy of the memory and disk it shared with its parent.</summary>
    Task PromoteAsync(string hostId, string vmId, CancellationToken ct);

    /// <summary>Saves a VM's disk state as a named checkpoint (quiescing the guest while its OS layer is copied).</summary>
    Task CheckpointAsync(string hostId, string vmId, string checkpointId, CancellationToken ct);

    /// <summary>Puts a VM's disk back to a checkpoint, discarding what it wrote since; the VM is powered off after.</summary>
    Task RefreshAsync(string hostId, string vmId, string checkpointId, CancellationToken ct);

    /// <summary>
    /// Readies the target of a migration: the VM's disk chain copied (or linked) there and the VM defined as incoming.
    /// The source keeps running. Refused for a VM with forked children or a child that was not promoted.
    /// </summary>
    Task PrepareMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>
    /// Moves the VM's running state to the target (live where the driver can, else suspend-copy-resume) and makes the
    /// target the one that runs. Either it switches or nothing changed: on failure the source still runs.
    /// </summary>
    Task SwitchOverAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>Undoes a prepared migration: the target's copy is removed; the source is untouched.</summary>
    Task CancelMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>After a switch-over, removes the VM and its own disk layers from the source.</summary>
    Task CompleteMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>The VM as the host knows it, or null when the host has no such VM.</summary>
    Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct);
}

/// <summary>What a driver can do beyond the basics, so that callers choose a path instead of failing.</summary>
[Flags]
public enum DriverCapabilities
{
    None = 0,
    Suspend = 1,
    Fork = 2,
    LiveMigration = 4,
    GuestData = 8,
}

/// <summary>The operations a driver performs, by name: fault injection and latency settings refer to them.</summary>
public enum DriverOperation
{
    DiscoverHosts,
    QueryHostStatus,
    EnsureBaseLayer,
    CreateDiskLayer,
    DeleteDiskLayer,
    RegisterVm,
    UnregisterVm,
    PowerOn,
    PowerOff,
    Suspend,
    Resume,
    InstallApp,
    CloneSuspended,
    Fork,
    GetVm,
    CustomizeGuest,
    SetGuestData,
    Promote,
    Checkpoint,
    Refresh,
    PrepareMigration,
    SwitchOver,
    CancelMigration,
    CompleteMigration,
    OfferMigration,
    AcceptMigration,
    ListenForMigration,
    SendMigration,
    FinishMigration,
    EndMigrationSource,
    DropMigrationTarget,
    OfferCopy,
    AcceptCopy,
    EndCopyOffer,
}

/// <param name="Shared">The image is on shared storage and is linked, not copied, to the host.</param>
/// <param name="Source">Where a host lacking the image fetches it, with the digest it must have; null when every host already holds it.</param>
public sealed record BaseLayerSpec(string LayerId, string Image, long SizeGib, bool Shared = false, Domain.Catalog.ImageSource? Source = null);

/// <param name="Datastore">Where to put the layer: the datastore of the VM's storage allocation; null for the host's default.</param>
public sealed record DiskLayerSpec(string LayerId, string ParentLayerId, long SizeGib, string? Datastore = null);

/// <summary>An app to install in a guest: its name, and the answer file (name and content) its installer reads.</summary>
public sealed record GuestAppInstall(string App, string? AnswerFileName, string? AnswerFileText);

public sealed record VmDefinition(string VmId, string Hostname, Resources Hardware, string DiskLayerId, string? MacAddress = null);

/// <param name="PowerOn">Start the child at once; otherwise it is registered powered off and starts, still without
/// booting, from the forked state when powered on.</param>
/// <param name="Persistent">A persistent child keeps what it writes across power-off; a non-persistent one goes back
/// to the forked state.</param>
/// <param name="Data">The child's own guest data (its identity), in its channel before it first runs.</param>
public sealed record ForkOptions(bool PowerOn = true, bool Persistent = false, GuestData? Data = null);

/// <summary>A change made inside a guest, and how many reboots it takes to apply.</summary>
public sealed record GuestCustomization(string Name, int Reboots, string Detail = "");

/// <summary>
/// The key/value data a host hands its guest, with the generation it belongs to, so that a guest applies
/// changes in order and the controller knows which generation reached it.
/// </summary>
public sealed record GuestData(long Generation, ImmutableSortedDictionary<string, string> Values)
{
    public static GuestData Of(long generation, IEnumerable<KeyValuePair<string, string>> values) =>
        new(generation, values.ToImmutableSortedDictionary(StringComparer.Ordinal));

    public bool Equals(GuestData? other) =>
        other is not null && Generation == other.Generation && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Generation, Values.Count);

    /// <summary>Keys only: values may be secrets.</summary>
    public override string ToString() => $"generation {Generation}: {string.Join(", ", Values.Keys)}";
}

/// <summary>
/// One VM moving from a host to another: the target layer its disk lands in (over a base the target has or gets),
/// and whether its memory moves live.
/// </summary>
public sealed record MigrationPlan(string MigrationId, string VmId, string SourceHostId, string TargetHostId, bool Live);

public enum VmPowerState
{
    PoweredOff,
    Running,
    Suspended,
}

/// <param name="UsedDiskGib">What the VM's own disk layer holds now: its writes, for storage that follows use.</param>
public sealed record VmStatusReport(string VmId, string HostId, VmPowerState PowerState, VmDefinition Definition, long UsedDiskGib = 0);

/// <summary>A host's measured state: whether it answers, what is really free, how busy it is.</summary>
public sealed record HostStatusReport(
    string HostId,
    bool Reachable,
    long FreeMemoryMib,
    long FreeDiskGib,
    double CpuLoad,
    int RunningVms,
    DateTimeOffset ObservedAt,
    IReadOnlyList<string>? CachedImages = null,
    // The VMs the host has (whatever their power state), for reconciling with the controller's records; null when
    // the driver does not say.
    IReadOnlyList<string>? VmIds = null);

/// <summary>A driver operation failed. The message says what and where, for the task's failure reason.</summary>
public sealed class HypervisorException(DriverOperation operation, string hostId, string message, Exception? inner = null)
    : Exception($"{operation} on host {hostId} failed: {message}", inner)
{
    public DriverOperation Operation { get; } = operation;

    public string HostId { get; } = hostId;

    /// <summary>What failed, without the operation and host the message starts with: what a refusal carries elsewhere.</summary>
    public string Reason { get; } = message;
}

/// <summary>Where a migration's target listens: for the memory (a QEMU migration URI) and, when the disk moves too, for the disk.</summary>
public sealed record MigrationEndpoints(string Memory, string? Disk);
