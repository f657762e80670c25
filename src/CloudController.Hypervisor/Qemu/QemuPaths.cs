namespace CloudController.Hypervisor.Qemu;

/// <summary>Where each file of the QEMU driver lives; ids become file names, so only plain names are accepted.</summary>
/// <param name="datastores">Shared datastores mounted where the machine's configuration says (name to path); any
/// other datastore is a directory under the root.</param>
public sealed class QemuPaths(string root, string runtime, IReadOnlyDictionary<string, string>? datastores = null)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Sockets and seeds, kept apart from the root: a unix socket path has room for only 107 bytes, and a seed may hold secrets.</summary>
    public string Runtime { get; } = Path.GetFullPath(runtime);

    /// <summary>A name that is one file name and needs no escaping in a QEMU option (no ',', no '/', no ':').</summary>
    public static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@') && name[0] != '.';

    /// <summary>The key the driver seals its VM records' secret values with, owner-only.</summary>
    public string SealingKey => Path.Combine(Root, "sealing.key");

    public string Host(string hostId) => Path.Combine(Root, "hosts", hostId);

    public string Layers(string hostId) => Path.Combine(Host(hostId), "layers");

    public string LayerRecord(string hostId, string layerId) => Path.Combine(Layers(hostId), layerId + ".json");

    public string LocalLayerFile(string hostId, string layerId) => Path.Combine(Layers(hostId), layerId + ".qcow2");

    public string Datastore(string name) =>
        datastores is not null && datastores.TryGetValue(name, out var mounted) ? Path.GetFullPath(mounted) : Path.Combine(Root, "datastores", name);

    public string DatastoreLayerFile(string datastore, string layerId) => Path.Combine(Datastore(datastore), layerId + ".qcow2");

    public string Vms(string hostId) => Path.Combine(Host(hostId), "vms");

    public string Vm(string hostId, string vmId) => Path.Combine(Vms(hostId), vmId);

    public string VmRecord(string hostId, string vmId) => Path.Combine(Vm(hostId, vmId), "vm.json");

    /// <summary>Guest RAM: the file a running VM's memory is, and a suspended VM's memory stays in.</summary>
    public string Memory(string hostId, string vmId) => Path.Combine(Vm(hostId, vmId), "memory");

    /// <summary>Device state (and any RAM not in the memory file) of a suspended VM, as QEMU's migration stream.</summary>
    public string SavedState(string hostId, string vmId) => Path.Combine(Vm(hostId, vmId), "state");

    public string Console(string hostId, string vmId) => Path.Combine(Vm(hostId, vmId), "console.log");


    public string ProcessLog(string hostId, string vmId) => Path.Combine(Vm(hostId, vmId), "qemu.log");

    public string Checkpoint(string hostId, string vmId, string checkpointId) => Path.Combine(Vm(hostId, vmId), "checkpoints", checkpointId + ".qcow2");

    public string PidFile(string hostId, string vmId, int launch) => Path.Combine(Vm(hostId, vmId), $"{launch}.pid");

    /// <summary>Each start of a VM gets its own sockets, so an old process and its successor (promotion) can both run.</summary>
    public string Qmp(string hostId, string vmId, int launch) => Socket(hostId, vmId, launch, "qmp");

    public string Channel(string hostId, string vmId, int launch) => Socket(hostId, vmId, launch, "chan");

    public string MigrationSocket(string hostId, string vmId, int launch) => Socket(hostId, vmId, launch, "mig");

    /// <summary>
    /// The cloud-init seed a start of the VM attaches (it may hold secrets): in the runtime directory (a tmpfs), never
    /// under the root, and only while that process may still need it by name (<see cref="QemuVmProcess"/>).
    /// </summary>
    public string Seed(string hostId, string vmId, int launch) => Socket(hostId, vmId, launch, "seed");

    /// <summary>A file of one start of a VM in the runtime directory: a socket, or its seed.</summary>
    private string Socket(string hostId, string vmId, int launch, string kind)
    {
        var key = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Root}\n{hostId}\n{vmId}"));
        return Path.Combine(Runtime, $"{Convert.ToHexStringLower(key.AsSpan(0, 8))}-{launch}.{kind}");
    }
}
