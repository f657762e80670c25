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
    /// Forks a running child from a suspended parent on the same host: the child shares the parent's memory and disk
    /// copy-on-write and starts from the parent's saved state, without booting. The parent cannot resume, be powered
    /// off or unregistered while it has children.
    /// </summary>
    Task ForkAsync(string hostId, string parentVmId, VmDefinition child, CancellationToken ct);

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
}

/// <param name="Shared">The image is on shared storage and is linked, not copied, to the host.</param>
public sealed record BaseLayerSpec(string LayerId, string Image, long SizeGib, bool Shared = false);

public sealed record DiskLayerSpec(string LayerId, string ParentLayerId, long SizeGib);

/// <summary>An app to install in a guest: its name, and the answer file (name and content) its installer reads.</summary>
public sealed record GuestAppInstall(string App, string? AnswerFileName, string? AnswerFileText);

public sealed record VmDefinition(string VmId, string Hostname, Resources Hardware, string DiskLayerId);

public enum VmPowerState
{
    PoweredOff,
    Running,
    Suspended,
}

public sealed record VmStatusReport(string VmId, string HostId, VmPowerState PowerState, VmDefinition Definition);

/// <summary>A host's measured state: whether it answers, what is really free, how busy it is.</summary>
public sealed record HostStatusReport(
    string HostId,
    bool Reachable,
    long FreeMemoryMib,
    long FreeDiskGib,
    double CpuLoad,
    int RunningVms,
    DateTimeOffset ObservedAt,
    IReadOnlyList<string>? CachedImages = null);

/// <summary>A driver operation failed. The message says what and where, for the task's failure reason.</summary>
public sealed class HypervisorException(DriverOperation operation, string hostId, string message, Exception? inner = null)
    : Exception($"{operation} on host {hostId} failed: {message}", inner)
{
    public DriverOperation Operation { get; } = operation;

    public string HostId { get; } = hostId;
}
