using System.Collections.Immutable;

namespace CloudController.Domain.Placement;

public enum PlacementStrategy
{
    /// <summary>Prefer the emptiest hosts: fewer VMs share a failure.</summary>
    Spread,
    /// <summary>Prefer the fullest hosts that still fit: keeps whole hosts free for large VMs.</summary>
    Pack,
}

/// <summary>How a VM relates to the other VMs of its group.</summary>
public enum GroupPolicy
{
    None,
    /// <summary>On a host that already runs the group (any host for the group's first VM).</summary>
    Affinity,
    /// <summary>Never on a host that already runs the group, so one host failing takes one member.</summary>
    AntiAffinity,
}

/// <summary>What a VM needs from a host.</summary>
/// <param name="HardwareClasses">The host hardware classes the VM may run on; null or empty means any.</param>
/// <param name="Image">The base image the VM is cloned from: a host that has it cached is preferred.</param>
public sealed record PlacementRequest(
    Resources Amount,
    ImmutableArray<string> RequiredCpuFlags,
    ImmutableHashSet<string> ExcludedHosts,
    PlacementStrategy Strategy = PlacementStrategy.Spread,
    ImmutableHashSet<string>? HardwareClasses = null,
    string? Group = null,
    GroupPolicy GroupPolicy = GroupPolicy.None,
    string? Image = null)
{
    public static PlacementRequest For(Resources amount) =>
        new(amount, ImmutableArray<string>.Empty, ImmutableHashSet<string>.Empty);

    /// <summary>
    /// What a VM record asks of its host: its hardware, its group's rule, its base image for caching, and for an
    /// instant deploy a host of the suspended image's hardware class (saved state resumes only on like hardware).
    /// </summary>
    public static PlacementRequest For(Vms.VmRecord vm, string image, Catalog.InstantImage? instant = null) =>
        For(vm.Hardware) with
        {
            Group = vm.Group,
            GroupPolicy = vm.GroupPolicy,
            Image = image,
            HardwareClasses = instant is null ? null : [instant.HardwareClass],
        };
}

/// <summary>Why one host was not a candidate: the filter that rejected it and its reason.</summary>
public sealed record HostRejection(string HostId, string Filter, string Reason);

/// <summary>
/// The outcome of placement: candidate hosts best first, and for every other host the filter that rejected it,
/// so that a failure can say why ("7 hosts: 4 lack 8192 MiB free memory, 2 draining, 1 lacks CPU flag avx2").
/// </summary>
public sealed record PlacementDecision(
    ImmutableArray<string> Candidates,
    ImmutableArray<HostRejection> Rejections,
    int HostsConsidered)
{
    public bool Found => Candidates.Length > 0;

    /// <summary>The decision for one named host: it alone if it is a candidate, else why it is not.</summary>
    public PlacementDecision RestrictTo(string hostId) => Candidates.Contains(hostId)
        ? this with { Candidates = [hostId] }
        : new PlacementDecision([],
            Rejections.Where(r => r.HostId == hostId).DefaultIfEmpty(new HostRejection(hostId, "target", "is not a host of the fleet")).ToImmutableArray(),
            1);
}
