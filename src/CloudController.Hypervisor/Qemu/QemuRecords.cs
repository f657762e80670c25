using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudController.Domain.Vms;
using CloudController.FirstBoot;

namespace CloudController.Hypervisor.Qemu;

/// <summary>A disk layer a host knows: its qcow2 file (local, on a datastore, or linked from the images) and parent.</summary>
public sealed record QemuLayerRecord(
    string LayerId,
    string File,
    string? ParentLayerId,
    string? Image = null,
    string? Datastore = null,
    bool Linked = false,
    string? Kernel = null,
    string? Initrd = null);

/// <summary>
/// A VM as its host keeps it on disk, so that a restarted node finds its VMs, forks and migrations as they were.
/// Its power state is not stored: a live QEMU process means running, a saved state file means suspended.
/// </summary>
public sealed record QemuVmRecord(VmDefinition Definition)
{
    /// <summary>The suspended parent whose memory this child maps copy-on-write and whose saved state it starts from.</summary>
    public string? ForkedFrom { get; init; }

    public bool Persistent { get; init; } = true;

    /// <summary>
    /// A persistent child that was powered off: its disk has moved on from the moment its parent's memory was saved,
    /// so it boots from its own disk instead of resuming into that memory.
    /// </summary>
    public bool Diverged { get; init; }

    /// <summary>
    /// The guest had not yet said it listens when its state was saved (a guest without a daemon, or one saved before
    /// its daemon started): what resumes from that state (the VM, its clones, every child forked from it) is sent its
    /// data when its guest says ready, not at once, where it would be lost.
    /// </summary>
    public bool SavedBeforeReady { get; init; }

    /// <summary>The file behind guest RAM: the VM's own, or its parent's while it is a forked child.</summary>
    public string? MemoryFile { get; init; }

    public GuestData? Data { get; init; }

    /// <summary>
    /// The VM Generation ID its guest sees (QEMU's vmgenid device): new for every VM, fork and clone, the same across
    /// its own suspends and migrations, so a guest resumed from another VM's memory knows to reseed its random state.
    /// Null on a record from before the device: such a VM runs without one, which keeps its saved state loadable.
    /// </summary>
    public Guid? GenerationId { get; init; }

    /// <summary>The instance id the VM's cloud-init seed carries; null until its data first changes after a boot.</summary>
    public string? SeedInstance { get; init; }

    public ImmutableList<string> Customizations { get; init; } = [];

    public ImmutableList<string> Apps { get; init; } = [];

    public ImmutableList<string> Checkpoints { get; init; } = [];

    /// <summary>Guest resets this VM went through (customizations that need reboots); a fork adds none.</summary>
    public int Reboots { get; init; }

    /// <summary>Each start of a QEMU process for this VM takes the next number; its sockets and pid file carry it.</summary>
    public int Launch { get; init; }

    public string? IncomingMigration { get; init; }

    public string? MigratedTo { get; init; }
}

/// <summary>
/// Reads and writes the records; a write replaces the file whole, so a crash leaves the old or the new. A record may
/// hold a VM's provisioning data: each is owner-only from its creation (<see cref="OwnerOnlyFile"/>: a fresh temporary
/// file of a new name, never one opened wider and narrowed after), and every secret value in it (<see cref="ProvisioningData.IsSecret"/>) is
/// sealed under the driver's key in the journal's format (<see cref="SealedDataConverter"/>). A record an older
/// version wrote with secrets in clear still reads, and <see cref="SealIfClear"/> rewrites it sealed.
/// </summary>
internal sealed class QemuRecordFile(AtRestCipher sealing)
{
    private readonly JsonSerializerOptions json = new()
    {
        WriteIndented = true,
        Converters = { new SealedDataConverter(sealing, "the QEMU driver always has its key") },
    };

    public T? Read<T>(string path) where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), json) : null;

    public void Write<T>(string path, T record) => OwnerOnlyFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(record, json));

    /// <summary>Rewrites a VM record that holds a secret value in clear (an older version's), sealed.</summary>
    public void SealIfClear(string path)
    {
        if (File.Exists(path) && HoldsClearSecret(File.ReadAllText(path))) Write(path, Read<QemuVmRecord>(path));
    }

    /// <summary>Whether a VM record's data has a secret key whose value is not sealed.</summary>
    public static bool HoldsClearSecret(string recordJson) =>
        JsonNode.Parse(recordJson)?[nameof(QemuVmRecord.Data)]?[nameof(GuestData.Values)] is JsonObject values &&
        values.Any(v => !v.Key.StartsWith(SealedDataConverter.SealedPrefix, StringComparison.Ordinal) && ProvisioningData.IsSecret(v.Key));
}
