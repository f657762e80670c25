using CloudController.Domain;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Where the QEMU driver keeps its hosts and images, and how it starts QEMU. Every host is a state directory on
/// the machine this node runs on; several hosts on one machine are how migration is exercised without a second one.
/// </summary>
/// <param name="Root">Host state (layers, VMs, sockets) under <c>hosts/ID</c>, shared datastores under <c>datastores/NAME</c>.</param>
/// <param name="ImagesDirectory">Base images as <c>NAME.qcow2</c>; an image may ship <c>NAME.vmlinuz</c> and
/// <c>NAME.initrd</c> beside it, which are then booted directly.</param>
/// <param name="RuntimeDirectory">VM sockets (QMP, guest channel, migration), short paths apart from the root, and each
/// start's cloud-init seed, which may hold secrets: a tmpfs, so they never reach a disk.</param>
/// <param name="Accelerator">kvm, tcg, or auto: kvm only where the machine has hardware virtualization and a test
/// guest boots under it (<see cref="AcceleratorProbe"/>), else tcg.</param>
public sealed record QemuDriverOptions(
    string Root,
    string ImagesDirectory,
    IReadOnlyList<QemuHostOptions> Hosts,
    string RuntimeDirectory = "/run/cloudcontroller",
    string Accelerator = "auto",
    string QemuProgram = "qemu-system-x86_64",
    string QemuImgProgram = "qemu-img",
    string KernelCommandLine = "console=ttyS0 quiet panic=-1")
{
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Shared datastores by name, each at the path every machine mounts it on (a host agent's
    /// <c>host-agent.datastores</c>); a datastore not named here lives under <c>Root/datastores/NAME</c>, which all
    /// hosts of one node share.
    /// </summary>
    public IReadOnlyDictionary<string, string> Datastores { get; init; } = new Dictionary<string, string>();

    public TimeSpan MigrationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A cap on a migration's transfer rate in bytes per second, so a move leaves the host's network room; 0: QEMU's own default.</summary>
    public long MigrationMaxBandwidth { get; init; }

    /// <summary>
    /// The address of this machine a migration's target listens on for the guest's memory and disk (ports chosen
    /// free): loopback when every host is on this machine, the machine's own address for migrations from another.
    /// </summary>
    public string MigrationAddress { get; init; } = "127.0.0.1";

    /// <summary>How long a booting guest may stay silent (nothing on its console, nothing on its channel) before its power-on fails.</summary>
    public TimeSpan GuestStartTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a test guest may take to print its first line under KVM before KVM is taken as unusable.</summary>
    public TimeSpan KvmTrialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The device tree KVM is looked for in ("/"; a fake tree in tests).</summary>
    public string DeviceRoot { get; init; } = "/";

    /// <summary>Every problem with these options, each naming the setting and the fix; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Hosts.Count == 0) problems.Add("qemu.hosts is empty: name at least one host, e.g. hosts = [{ id = qemu-1 }]");
        foreach (var duplicate in Hosts.GroupBy(h => h.Id).Where(g => g.Count() > 1))
            problems.Add($"qemu.hosts names '{duplicate.Key}' twice: host ids must be unique");
        foreach (var host in Hosts.Where(h => !QemuPaths.IsSafeName(h.Id)))
            problems.Add($"qemu.hosts id '{host.Id}' is not a plain name: use letters, digits, '.', '_', '-' and '@'");
        if (Accelerator is not ("auto" or "kvm" or "tcg"))
            problems.Add($"qemu.accelerator = '{Accelerator}': use auto, kvm or tcg");
        // A unix socket path has room for 107 bytes; a socket name takes 30 of them.
        if (GuestStartTimeout <= TimeSpan.Zero)
            problems.Add($"qemu.guest-start-timeout = {GuestStartTimeout}: give a booting guest time to speak, e.g. 45s");
        if (MigrationMaxBandwidth < 0)
            problems.Add($"qemu.migration-max-bandwidth = {MigrationMaxBandwidth}: give bytes per second, or 0 for QEMU's default");
        if (!System.Net.IPAddress.TryParse(MigrationAddress, out _))
            problems.Add($"qemu.migration-address = '{MigrationAddress}': give an IP address of this machine, e.g. 10.0.0.5");
        if (Path.GetFullPath(RuntimeDirectory).Length > 70)
            problems.Add($"qemu.runtime-directory '{RuntimeDirectory}' is longer than 70 characters: VM sockets under it would not fit a unix socket path; choose a shorter one");
        return problems;
    }
}

public sealed record QemuHostOptions(string Id, Resources Capacity, string HardwareClass = "qemu");
