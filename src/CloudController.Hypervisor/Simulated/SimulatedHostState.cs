using System.Collections.Immutable;
using CloudController.Domain;
using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>A VM as a simulated host holds it.</summary>
public sealed record SimulatedVm(VmDefinition Definition, VmPowerState PowerState)
{
    public string VmId => Definition.VmId;

    /// <summary>Apps installed in the guest, with the answer file each installer read.</summary>
    public ImmutableSortedDictionary<string, string?> InstalledApps { get; init; } =
        ImmutableSortedDictionary<string, string?>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>
/// Everything one simulated host holds, immutable so that it can be inspected and compared: its disk layers, its
/// VMs, and what running VMs take of its physical memory and cores.
/// </summary>
public sealed record SimulatedHostState(HostInventory Inventory, DiskLayerStore Disks, ImmutableSortedDictionary<string, SimulatedVm> VmsById)
{
    public IEnumerable<SimulatedVm> Vms => VmsById.Values;

    /// <summary>Memory and cores of the VMs that run now (suspended ones hold only disk).</summary>
    public Resources InUse => Resources.Sum(Vms.Where(v => v.PowerState == VmPowerState.Running)
        .Select(v => v.Definition.Hardware with { DiskGib = 0 })) with { DiskGib = Disks.AllocatedGib };

    public Resources Free => Inventory.Capacity - InUse;

    /// <summary>A stable text of the state; equal texts mean equal states.</summary>
    public string Fingerprint(bool includeBaseLayers)
    {
        var vms = Vms.Select(v => $"vm {v.VmId} {v.PowerState} {v.Definition.DiskLayerId} {v.Definition.Hardware} apps=[{string.Join(",", v.InstalledApps.Keys)}]");
        var layers = Disks.Layers.Values
            .Where(l => includeBaseLayers || !l.IsBase)
            .OrderBy(l => l.LayerId, StringComparer.Ordinal)
            .Select(l => $"layer {l.LayerId}<-{l.ParentLayerId ?? l.Image} {l.VirtualSizeGib}/{l.AllocatedGib}");
        var attached = Disks.AttachedVms.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"attach {a.Key}->{a.Value}");
        return $"[{Inventory.HostId}: {string.Join("; ", vms.Concat(layers).Concat(attached))}]";
    }
}
