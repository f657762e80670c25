using System.Collections.Concurrent;
using System.Collections.Immutable;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor.Images;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Drives QEMU on this machine: one QEMU process per running VM, qcow2 layers made by qemu-img, suspend and fork
/// through QEMU's migration stream (guest RAM stays in a file, so a fork maps its parent's file copy-on-write),
/// live migration between processes over TCP, and a per-process serial channel for each VM's key/value data.
/// Operations on a host run one at a time; a migration holds both of its hosts.
/// </summary>
public sealed partial class QemuDriver : IHypervisorDriver, IAsyncDisposable
{
    private readonly QemuDriverOptions options;
    private readonly QemuImg img;
    private readonly QemuRecordFile records;
    private readonly ImmutableDictionary<string, QemuHostOptions> hosts;
    private readonly ImmutableDictionary<string, SemaphoreSlim> hostTurns;
    private readonly ConcurrentDictionary<(string Host, string Vm), QemuVmProcess> processes = new();

    public QemuDriver(QemuDriverOptions options)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        this.options = options;
        // Once per driver start: a machine's KVM does not change while the node runs.
        Acceleration = AcceleratorProbe.Read(options.DeviceRoot).Choose(options.Accelerator,
            () => KvmTrial.Run(options.QemuProgram, "kvm", KvmTrial.FindKernel(options.ImagesDirectory, options.DeviceRoot), options.KvmTrialTimeout));
        Paths = new QemuPaths(options.Root, options.RuntimeDirectory, options.Datastores);
        img = new QemuImg(options.QemuImgProgram);
        Images = new ImageStore(options.ImagesDirectory, options.QemuImgProgram);
        hosts = options.Hosts.ToImmutableDictionary(h => h.Id);
        hostTurns = options.Hosts.ToImmutableDictionary(h => h.Id, _ => new SemaphoreSlim(1, 1));
        Directory.CreateDirectory(Paths.Runtime);
        foreach (var host in options.Hosts)
        {
            Directory.CreateDirectory(Paths.Layers(host.Id));
            Directory.CreateDirectory(Paths.Vms(host.Id));
        }
        records = new QemuRecordFile(QemuSealingKey.LoadOrCreate(Paths.SealingKey));
        foreach (var host in options.Hosts)
        foreach (var vm in Directory.EnumerateDirectories(Paths.Vms(host.Id)))
        {
            records.SealIfClear(Paths.VmRecord(host.Id, Path.GetFileName(vm)));
            // Where an earlier version kept a VM's seed; a process it started reads it through its open descriptor.
            File.Delete(Path.Combine(vm, "seed.img"));
        }
    }

    public QemuPaths Paths { get; }

    /// <summary>This machine's base images: the directory layers are made from, and where missing ones are fetched to.</summary>
    public ImageStore Images { get; }

    /// <summary>Where base images are taken from, as <c>NAME.qcow2</c>: the node's image store.</summary>
    public string ImagesDirectory => options.ImagesDirectory;

    public string Name => $"qemu, {hosts.Count} hosts ({Acceleration.Reason})";

    /// <summary>What the VMs run on and why, chosen when the driver started.</summary>
    public AcceleratorChoice Acceleration { get; }

    /// <summary>kvm or tcg: what the VMs run on.</summary>
    public string Accelerator => Acceleration.Accelerator;

    public DriverCapabilities Capabilities =>
        DriverCapabilities.Suspend | DriverCapabilities.Fork | DriverCapabilities.LiveMigration | DriverCapabilities.GuestData;

    public Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct)
    {
        var flags = File.Exists("/proc/cpuinfo") ? MachineReadings.CpuFlags(File.ReadAllText("/proc/cpuinfo")) : [];
        IReadOnlyList<HostInventory> inventory = options.Hosts.Select(h => new HostInventory(h.Id, h.HardwareClass, h.Capacity, flags)).ToList();
        return Task.FromResult(inventory);
    }

    /// <summary>The real machine's free memory and load, bounded by what the host's own VMs leave of its capacity.</summary>
    public Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct)
    {
        var host = HostOptions(DriverOperation.QueryHostStatus, hostId);
        var vms = VmRecords(hostId).ToList();
        var running = vms.Where(v => IsRunning(hostId, v)).ToList();
        var committed = running.Sum(v => v.Definition.Hardware.MemoryMib);
        var available = MachineReadings.AvailableMemoryMib(File.ReadAllText("/proc/meminfo"));
        var load = MachineReadings.LoadPerCore(File.ReadAllText("/proc/loadavg"), Environment.ProcessorCount);
        var freeDisk = new DriveInfo(Paths.Root).AvailableFreeSpace / (1L << 30);
        var images = LayerRecords(hostId).Where(l => l.Image is not null).Select(l => l.Image!).Distinct().ToList();
        return Task.FromResult(new HostStatusReport(hostId, true, Math.Min(available, host.Capacity.MemoryMib - committed),
            Math.Min(freeDisk, host.Capacity.DiskGib), Math.Min(1, load), running.Count, DateTimeOffset.UtcNow, images, vms.Select(v => v.Definition.VmId).ToList()));
    }

    public Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct)
    {
        HostOptions(DriverOperation.GetVm, hostId);
        if (Vm(hostId, vmId) is not { MigratedTo: null, IncomingMigration: null } vm) return Task.FromResult<VmStatusReport?>(null);
        var layer = Layer(hostId, vm.Definition.DiskLayerId);
        var used = layer is not null && File.Exists(layer.File) ? new FileInfo(layer.File).Length >> 30 : 0;
        return Task.FromResult<VmStatusReport?>(new VmStatusReport(vmId, hostId, PowerState(hostId, vm), vm.Definition, used));
    }

    /// <summary>The VM's record as its host keeps it (forks, reboots, data, customizations), or null.</summary>
    public QemuVmRecord? Vm(string hostId, string vmId) =>
        QemuPaths.IsSafeName(vmId) ? records.Read<QemuVmRecord>(Paths.VmRecord(hostId, vmId)) : null;

    /// <summary>The pid of a VM's running QEMU process, for measuring it; null when it does not run.</summary>
    public int? ProcessId(string hostId, string vmId) =>
        processes.TryGetValue((hostId, vmId), out var process) && QemuVmProcess.IsAlive(process.Pid) ? process.Pid : null;

    public QemuLayerRecord? Layer(string hostId, string layerId) =>
        QemuPaths.IsSafeName(layerId) ? records.Read<QemuLayerRecord>(Paths.LayerRecord(hostId, layerId)) : null;

    private IEnumerable<QemuLayerRecord> LayerRecords(string hostId) =>
        Directory.EnumerateFiles(Paths.Layers(hostId), "*.json").Select(records.Read<QemuLayerRecord>).OfType<QemuLayerRecord>();

    private IEnumerable<QemuVmRecord> VmRecords(string hostId) =>
        Directory.EnumerateDirectories(Paths.Vms(hostId)).Select(d => records.Read<QemuVmRecord>(Path.Combine(d, "vm.json"))).OfType<QemuVmRecord>();

    private void SaveLayer(string hostId, QemuLayerRecord layer) => records.Write(Paths.LayerRecord(hostId, layer.LayerId), layer);

    private void Save(string hostId, QemuVmRecord vm) => records.Write(Paths.VmRecord(hostId, vm.Definition.VmId), vm);

    /// <summary>Every QEMU process of this driver's root that runs now, found by the pid files its VMs' starts wrote.</summary>
    public IReadOnlyList<int> RunningProcessIds() =>
        Directory.EnumerateFiles(Paths.Root, "*.pid", SearchOption.AllDirectories)
            .Select(QemuVmProcess.RunningPid).OfType<int>()
            .Where(pid => QemuVmProcess.CommandLineMentions(pid, Paths.Root))
            .ToList();

    /// <summary>
    /// Kills every QEMU process of this driver's root at once: for tearing down a test fleet or a load run. Not a way
    /// to power VMs off: their records stay as they were.
    /// </summary>
    public async Task KillAllAsync()
    {
        await DisposeAsync();
        foreach (var pid in RunningProcessIds()) QemuVmProcess.Kill(pid);
    }

    /// <summary>Disconnects from the VMs' processes; the VMs keep running, as they would across a node restart.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes.Values) await process.DisposeAsync();
        processes.Clear();
    }
}
