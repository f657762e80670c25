using System.Collections.Immutable;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// What a machine says about KVM, read from its device tree: /dev/kvm, the kvm modules under /sys/module, and the
/// vmx/svm CPU flag. /dev/kvm alone proves nothing: the kvm_pvm module (a paravirtual KVM inside a VM) offers one on
/// which QEMU starts but an ordinary guest kernel never runs.
/// </summary>
/// <param name="KvmDevice">/dev/kvm exists.</param>
/// <param name="KvmModules">The loaded modules named kvm*, sorted.</param>
/// <param name="VirtualizationFlag">vmx or svm when the CPU offers hardware virtualization, else null.</param>
public sealed record AcceleratorProbe(bool KvmDevice, ImmutableArray<string> KvmModules, string? VirtualizationFlag)
{
    /// <summary>Reads a device tree; <paramref name="root"/> is "/" on a real machine, a fake tree in tests.</summary>
    public static AcceleratorProbe Read(string root = "/")
    {
        var modules = Path.Combine(root, "sys", "module");
        var cpuinfo = Path.Combine(root, "proc", "cpuinfo");
        var flags = File.Exists(cpuinfo) ? MachineReadings.CpuFlags(File.ReadAllText(cpuinfo)) : [];
        return new AcceleratorProbe(
            File.Exists(Path.Combine(root, "dev", "kvm")),
            Directory.Exists(modules) ? [.. Directory.EnumerateDirectories(modules, "kvm*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [],
            flags.FirstOrDefault(f => f is "vmx" or "svm"));
    }

    /// <summary>A hypervisor module for Intel or AMD is loaded, or the CPU offers vmx/svm.</summary>
    public bool HardwareVirtualization => KvmModules.Contains("kvm_intel") || KvmModules.Contains("kvm_amd") || VirtualizationFlag is not null;

    /// <summary>Why KVM cannot run an ordinary guest here, or null when it can be tried.</summary>
    public string? KvmObstacle =>
        !KvmDevice ? "no /dev/kvm"
        : HardwareVirtualization ? null
        : KvmModules.Contains("kvm_pvm") ? "kvm present but unusable: kvm_pvm without hardware virtualization"
        : "kvm present but unusable: no hardware virtualization (no kvm_intel or kvm_amd module, no vmx or svm CPU flag)";

    /// <summary>
    /// The accelerator for <paramref name="requested"/> (auto, kvm or tcg). KVM is used only where this machine has
    /// hardware virtualization and <paramref name="trial"/> (a guest kernel booted under KVM) confirms it; auto falls
    /// back to TCG saying why, and kvm is refused with the reason instead of leaving guests to hang.
    /// </summary>
    public AcceleratorChoice Choose(string requested, Func<KvmTrial> trial)
    {
        if (requested == "tcg") return new AcceleratorChoice("tcg", "tcg as configured");
        var obstacle = KvmObstacle;
        if (obstacle is null)
        {
            var outcome = trial();
            if (outcome.GuestRan) return new AcceleratorChoice("kvm", $"hardware virtualization ({Evidence}), {outcome.Detail}; using kvm");
            obstacle = $"kvm present but unusable: {outcome.Detail}";
        }
        return requested == "kvm"
            ? throw new ArgumentException($"qemu.accelerator = kvm, but {obstacle}: set accelerator = auto or tcg")
            : new AcceleratorChoice("tcg", $"{obstacle}; using tcg");
    }

    private string Evidence => string.Join(", ", KvmModules.Where(m => m is "kvm_intel" or "kvm_amd").Append(VirtualizationFlag).OfType<string>());
}

/// <summary>The accelerator a QEMU driver runs its VMs on, and why (for the node's start-up line).</summary>
public sealed record AcceleratorChoice(string Accelerator, string Reason);
