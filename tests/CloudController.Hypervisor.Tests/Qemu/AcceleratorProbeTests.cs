using CloudController.Domain;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// The accelerator choice on the kinds of machine the driver meets, each a fake device tree: hardware KVM (Intel
/// or AMD), a paravirtual KVM (kvm_pvm) inside a VM, and no /dev/kvm at all.
/// </summary>
public sealed class AcceleratorProbeTests : IDisposable
{
    private static readonly KvmTrial Booted = new(true, "a test guest printed its first line under kvm in 80 ms");
    private static readonly KvmTrial Silent = new(false, "a test guest printed nothing under kvm in 10 s");
    private readonly string root = Path.Combine(Path.GetTempPath(), "cc-devtree-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A device tree with /dev/kvm when asked, the given modules, and the given CPU flags.</summary>
    private string Machine(string name, bool kvmDevice, string[] modules, string flags)
    {
        var tree = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(tree, "dev"));
        Directory.CreateDirectory(Path.Combine(tree, "proc"));
        if (kvmDevice) File.WriteAllText(Path.Combine(tree, "dev", "kvm"), "");
        foreach (var module in modules) Directory.CreateDirectory(Path.Combine(tree, "sys", "module", module));
        Directory.CreateDirectory(Path.Combine(tree, "sys", "module", "ext4"));
        File.WriteAllText(Path.Combine(tree, "proc", "cpuinfo"), $"processor\t: 0\nflags\t\t: fpu {flags} sse2\n\nprocessor\t: 1\nflags\t\t: fpu {flags}\n");
        return tree;
    }

    private string Paravirtual => Machine("pvm", kvmDevice: true, ["kvm", "kvm_pvm"], "pni ssse3");

    private static Func<KvmTrial> Trial(KvmTrial outcome, List<string>? calls = null) => () =>
    {
        calls?.Add("trial");
        return outcome;
    };

    [Fact]
    public void A_paravirtual_kvm_without_hardware_virtualization_gets_tcg_without_a_trial_and_an_explicit_kvm_is_refused()
    {
        var probe = AcceleratorProbe.Read(Paravirtual);
        Assert.Equal("kvm, kvm_pvm", string.Join(", ", probe.KvmModules));
        Assert.True(probe.KvmDevice);
        Assert.False(probe.HardwareVirtualization);
        var calls = new List<string>();

        var auto = probe.Choose("auto", Trial(Booted, calls));
        Assert.Equal(new AcceleratorChoice("tcg", "kvm present but unusable: kvm_pvm without hardware virtualization; using tcg"), auto);
        var refused = Assert.Throws<ArgumentException>(() => probe.Choose("kvm", Trial(Booted, calls)));
        Assert.Contains("qemu.accelerator = kvm, but kvm present but unusable: kvm_pvm without hardware virtualization", refused.Message);
        Assert.Empty(calls);
    }

    [Fact]
    public void Hardware_kvm_is_used_once_a_test_guest_boots_under_it_and_not_when_it_stays_silent()
    {
        var intel = AcceleratorProbe.Read(Machine("intel", kvmDevice: true, ["kvm", "kvm_intel"], "vmx pni"));
        var amd = AcceleratorProbe.Read(Machine("amd", kvmDevice: true, ["kvm"], "svm pni"));
        Assert.Equal("vmx", intel.VirtualizationFlag);
        Assert.True(amd.HardwareVirtualization);

        var chosen = intel.Choose("auto", Trial(Booted));
        Assert.Equal("kvm", chosen.Accelerator);
        Assert.Equal("hardware virtualization (kvm_intel, vmx), a test guest printed its first line under kvm in 80 ms; using kvm", chosen.Reason);
        Assert.Equal("kvm", amd.Choose("kvm", Trial(Booted)).Accelerator);

        Assert.Equal(new AcceleratorChoice("tcg", "kvm present but unusable: a test guest printed nothing under kvm in 10 s; using tcg"), amd.Choose("auto", Trial(Silent)));
        Assert.Contains("a test guest printed nothing", Assert.Throws<ArgumentException>(() => amd.Choose("kvm", Trial(Silent))).Message);
        Assert.Equal(new AcceleratorChoice("tcg", "tcg as configured"), intel.Choose("tcg", Trial(Booted)));
    }

    [Fact]
    public void A_machine_without_dev_kvm_gets_tcg_whatever_its_cpu_offers()
    {
        var probe = AcceleratorProbe.Read(Machine("bare", kvmDevice: false, [], "vmx"));
        Assert.Equal(new AcceleratorChoice("tcg", "no /dev/kvm; using tcg"), probe.Choose("auto", Trial(Booted)));
        Assert.Contains("no /dev/kvm", Assert.Throws<ArgumentException>(() => probe.Choose("kvm", Trial(Booted))).Message);
        Assert.Contains("no hardware virtualization", AcceleratorProbe.Read(Machine("plain", kvmDevice: true, ["kvm"], "pni")).KvmObstacle);
    }

    [Fact]
    public void The_driver_chooses_when_it_starts_and_names_its_choice_refusing_kvm_where_a_guest_cannot_run()
    {
        var pvm = Paravirtual;
        var options = new QemuDriverOptions(Path.Combine(root, "state"), Path.Combine(root, "images"), [new QemuHostOptions("a", new Resources(1, 1024, 10))],
            RuntimeDirectory: Path.Combine(root, "run")) { DeviceRoot = pvm };

        var driver = new QemuDriver(options);
        Assert.Equal("tcg", driver.Accelerator);
        Assert.Equal("qemu, 1 hosts (kvm present but unusable: kvm_pvm without hardware virtualization; using tcg)", driver.Name);
        var refused = Assert.Throws<ArgumentException>(() => new QemuDriver(options with { Accelerator = "kvm" }));
        Assert.Contains("kvm_pvm without hardware virtualization", refused.Message);
    }

    /// <summary>
    /// The trial itself on this machine: the machine's kernel prints its first line under TCG; where /dev/kvm is a
    /// paravirtual one (as on the CI machines), the same kernel under KVM prints nothing and the trial says so.
    /// </summary>
    [Fact]
    public void The_trial_boots_the_machines_kernel_and_sees_whether_it_prints()
    {
        var kernel = KvmTrial.FindKernel(Path.Combine(root, "no-images"));
        Assert.True(kernel is not null, "the trial needs a kernel in /boot (Debian: linux-image-cloud-amd64); .ci/run installs it");
        var tcg = KvmTrial.Run("qemu-system-x86_64", "tcg", kernel, TimeSpan.FromSeconds(60));
        Assert.True(tcg.GuestRan, tcg.Detail);
        Assert.Contains("no kernel to boot", KvmTrial.Run("qemu-system-x86_64", "tcg", null, TimeSpan.FromSeconds(1)).Detail);

        if (AcceleratorProbe.Read() is { KvmDevice: true, HardwareVirtualization: false })
        {
            var kvm = KvmTrial.Run("qemu-system-x86_64", "kvm", kernel, TimeSpan.FromSeconds(3));
            Assert.False(kvm.GuestRan, kvm.Detail);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
