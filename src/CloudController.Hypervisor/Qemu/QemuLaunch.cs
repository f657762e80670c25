namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Everything one QEMU process of a VM is started with. The same VM started twice (cold, resumed, forked or as a
/// migration target) keeps its machine type and devices, which is what lets saved device state load into it.
/// </summary>
/// <param name="MemoryFile">The file that backs guest RAM (memory-backend-file).</param>
/// <param name="MemoryShared">Map the file shared, so that guest RAM is the file (a VM that may be suspended or
/// forked); a forked child maps its parent's file private instead, copying a page only when it writes it.</param>
/// <param name="Incoming">Start waiting for saved or migrating state (<c>-incoming defer</c> then migrate-incoming),
/// instead of booting, and stay paused when it has arrived.</param>
/// <param name="SeedDisk">The VM's cloud-init NoCloud seed, attached read-only as a second virtio disk.</param>
/// <param name="Mac">The MAC of the VM's NIC, which the seed's network configuration is bound to.</param>
/// <param name="GenerationId">The VM Generation ID the guest reads from its vmgenid device; a process resumed from
/// saved state announces it to the guest (an ACPI notification), which reseeds its random state when it differs.</param>
/// <param name="BackingFile">The disk's base as this host has it, instead of the path written in the layer (a layer on
/// a shared datastore names the base of the host that made it, which another machine may not have at that path).</param>
public sealed record QemuLaunch(
    string VmId,
    int Cpus,
    long MemoryMib,
    string MemoryFile,
    bool MemoryShared,
    string DiskPath,
    BootFiles? Boot,
    string ConsoleLog,
    string ChannelSocket,
    string QmpSocket,
    string PidFile,
    bool Incoming,
    string Accelerator,
    string? SeedDisk = null,
    string? Mac = null,
    Guid? GenerationId = null,
    string? BackingFile = null)
{
    /// <summary>The drive id of the VM's disk, which its saved device state names.</summary>
    public const string DiskDevice = "disk0";

    /// <summary>The command line, argument by argument (no shell involved, so paths need no quoting).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            "-name", VmId,
            "-machine", $"q35,accel={Accelerator},memory-backend=ram",
            "-smp", Cpus.ToString(),
            "-m", $"{MemoryMib}M",
            "-object", $"memory-backend-file,id=ram,size={MemoryMib}M,mem-path={MemoryFile},share={(MemoryShared ? "on" : "off")}",
            "-nodefaults", "-display", "none", "-no-user-config",
            // The disk by drive id, not by path: saved device state names "disk0", so a child or a migration target
            // can run the same state over its own copy-on-write layer.
            "-drive", $"file={DiskPath},format=qcow2,if=none,id={DiskDevice},cache=writeback{(BackingFile is null ? "" : $",backing.driver=qcow2,backing.file.filename={BackingFile}")}",
            "-device", $"virtio-blk-pci,drive={DiskDevice}",
            // ttyS0 is the console; ttyS1 is the VM's own key/value channel, a socket of this process alone, so a
            // forked child resumed from its parent's memory reads its own data, never its parent's.
            // Appended, so a VM's console tells its whole life across suspends, resumes and restarts.
            "-chardev", $"file,id=console,path={ConsoleLog},append=on",
            "-serial", "chardev:console",
            "-chardev", $"socket,id=channel,path={ChannelSocket},server=on,wait=off",
            "-serial", "chardev:channel",
            "-qmp", $"unix:{QmpSocket},server=on,wait=off",
            "-pidfile", PidFile,
        };
        if (SeedDisk is not null)
        {
            // A virtio disk, not a CD-ROM: Debian's cloud kernel has no AHCI for q35's CD-ROM. The SMBIOS serial tells
            // cloud-init of an image booted from its disk to look for a NoCloud seed.
            args.AddRange(["-drive", $"file={SeedDisk},format=raw,if=none,id=seed0,readonly=on", "-device", "virtio-blk-pci,drive=seed0"]);
            args.AddRange(["-smbios", "type=1,serial=ds=nocloud"]);
        }
        if (Mac is not null)
            args.AddRange(["-netdev", "user,id=net0", "-device", $"virtio-net-pci,netdev=net0,mac={Mac}"]);
        if (GenerationId is { } generation) args.AddRange(["-device", $"vmgenid,id=vmgenid0,guid={generation}"]);
        if (Boot is { } boot)
        {
            args.AddRange(["-kernel", boot.Kernel]);
            if (boot.Initrd is not null) args.AddRange(["-initrd", boot.Initrd]);
            args.AddRange(["-append", boot.CommandLine]);
        }
        // Paused once the state is in (-S): the driver continues the guest when all of it has arrived, its disk too.
        if (Incoming) args.AddRange(["-S", "-incoming", "defer"]);
        return args;
    }
}

/// <summary>The MACs of VMs' NICs.</summary>
public static class VmMac
{
    /// <summary>The VM's own MAC, or one derived from its id: locally administered, the same at every start.</summary>
    public static string Of(VmDefinition vm)
    {
        if (vm.MacAddress is { } mac) return mac;
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vm.VmId));
        return "02:" + string.Join(':', hash.Take(5).Select(b => b.ToString("x2")));
    }
}

/// <summary>A kernel booted directly (an image that ships one beside it), instead of firmware booting the disk.</summary>
public sealed record BootFiles(string Kernel, string? Initrd, string CommandLine);
