using CloudController.Domain;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

public sealed class QemuLaunchTests
{
    private static QemuLaunch Launch(bool shared, bool incoming) => new("vm1", 2, 256, "/m/memory", shared, "/l/disk.qcow2",
        new BootFiles("/k", "/i", "console=ttyS0"), "/c.log", "/r/1.chan", "/r/1.qmp", "/v/1.pid", incoming, "tcg");

    [Fact]
    public void A_forked_child_maps_its_parents_memory_privately_and_waits_for_state_instead_of_booting()
    {
        var args = Launch(shared: false, incoming: true).Arguments();
        Assert.Contains("memory-backend-file,id=ram,size=256M,mem-path=/m/memory,share=off", args);
        Assert.Equal("defer", args[args.ToList().IndexOf("-incoming") + 1]);
    }

    [Fact]
    public void A_cold_boot_shares_its_memory_file_and_has_a_console_and_a_channel_of_its_own()
    {
        var args = Launch(shared: true, incoming: false).Arguments();
        Assert.Contains("memory-backend-file,id=ram,size=256M,mem-path=/m/memory,share=on", args);
        Assert.DoesNotContain("-incoming", args);
        Assert.Contains("file,id=console,path=/c.log,append=on", args);
        Assert.Contains("socket,id=channel,path=/r/1.chan,server=on,wait=off", args);
        Assert.Contains("file=/l/disk.qcow2,format=qcow2,if=none,id=disk0,cache=writeback", args);
        Assert.Equal("/k", args[args.ToList().IndexOf("-kernel") + 1]);
    }

    [Fact]
    public void Readings_of_proc_are_parsed_in_the_units_placement_uses()
    {
        Assert.Equal(2000, MachineReadings.AvailableMemoryMib("MemTotal: 8000000 kB\nMemAvailable:    2048000 kB\n"));
        Assert.Equal(0.75, MachineReadings.LoadPerCore("1.50 0.80 0.30 2/300 1234", 2));
        Assert.Equal(43620, MachineReadings.ProportionalKib("Rss:  65436 kB\nPss:  43620 kB\nPss_Dirty: 36133 kB\n"));
        Assert.Throws<FormatException>(() => MachineReadings.ProportionalKib("Rss: 1 kB\n"));
        const string smaps = "7f00-7f10 rw-p 00000000 08:01 42 /m/memory\nSize: 131072 kB\nPss: 900 kB\nShared_Clean: 2400 kB\n" +
                             "7f20-7f30 r-xp 00000000 08:01 43 /usr/lib/libc.so.6\nSize: 1600 kB\nPss: 300 kB\n" +
                             "7f40-7f50 rw-p 00000000 08:01 42 /m/memory\nSize: 8 kB\nPss: 4 kB\n";
        Assert.Equal(904, MachineReadings.MappingKib(smaps, "/m/memory", "Pss"));
        Assert.Equal(131080, MachineReadings.MappingKib(smaps, "/m/memory", "Size"));
        Assert.Equal(0, MachineReadings.MappingKib(smaps, "/m/other", "Pss"));
    }

    [Fact]
    public void Options_with_problems_are_refused_naming_each_setting()
    {
        var options = new QemuDriverOptions("/tmp/x", "/tmp/img",
            [new QemuHostOptions("a", new Resources(1, 1, 1)), new QemuHostOptions("a", new Resources(1, 1, 1)), new QemuHostOptions("b/c", new Resources(1, 1, 1))],
            RuntimeDirectory: "/" + new string('r', 80), Accelerator: "hvf");
        var problems = options.Problems();
        Assert.Contains(problems, p => p.Contains("names 'a' twice"));
        Assert.Contains(problems, p => p.Contains("'b/c' is not a plain name"));
        Assert.Contains(problems, p => p.Contains("qemu.accelerator = 'hvf'"));
        Assert.Contains(problems, p => p.Contains("qemu.runtime-directory"));
        Assert.Throws<ArgumentException>(() => new QemuDriver(options));
    }
}
