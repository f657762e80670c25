namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Everything one QEMU process of a VM is started with. The same VM started twice (cold, resumed, forked or as a
/// migration target) keeps its machine type and devices, which is what lets saved device state load into it.
/// </summary>
/// <param name="MemoryFile">The file that backs guest RAM (memory-backend-file).</param>
/// <param name="MemoryShared">Map the file shared, so that guest RAM is the file (a VM that may be suspended or
/// forked); a forked child maps its parent's file private instead, copying a page only when it writes it.</param>
/// <param name="Incoming">Start waiting for saved or migrating state (<c>-incoming defer</c> then migrate-incoming),
/// instead of booting.</param>
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
    string Accelerator)
{
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
            "-drive", $"file={DiskPath},format=qcow2,if=none,id=disk0,cache=writeback",
            "-device", "virtio-blk-pci,drive=disk0",
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
        if (Boot is { } boot)
        {
            args.AddRange(["-kernel", boot.Kernel]);
            if (boot.Initrd is not null) args.AddRange(["-initrd", boot.Initrd]);
            args.AddRange(["-append", boot.CommandLine]);
        }
        if (Incoming) args.AddRange(["-incoming", "defer"]);
        return args;
    }
}

/// <summary>A kernel booted directly (an image that ships one beside it), instead of firmware booting the disk.</summary>
public sealed record BootFiles(string Kernel, string? Initrd, string CommandLine);
