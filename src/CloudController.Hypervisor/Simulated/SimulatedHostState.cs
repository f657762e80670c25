using System.Collections.Immutable;
using CloudController.Domain;
using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>A VM as a simulated host holds it.</summary>
public sealed record SimulatedVm(VmDefinition Definition, VmPowerState PowerState)
{
    public string VmId => Definition.VmId;

    /// <summary>The parent this VM was forked from, sharing its memory copy-on-write; null for a VM of its own.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>Memory this VM has written since it was forked: its only memory of its own while it shares a parent's.</summary>
    public long PrivateMemoryMib { get; init; }

    /// <summary>How many times the guest booted: a power-on boots, a resume or a fork does not.</summary>
    public int Boots { get; init; }

    /// <summary>A persistent child keeps its writes across power-off; a non-persistent one returns to the forked state.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>A persistent child that was powered off: its disk moved on from its parent's memory, so it boots next time.</summary>
    public bool Diverged { get; init; }

    /// <summary>What the host's channel to the guest holds, and the generation of it.</summary>
    public GuestData? Data { get; init; }

    /// <summary>Customizations applied in the guest, by name.</summary>
    public ImmutableSortedSet<string> Customizations { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Saved disk states by checkpoint id: what the VM's own layer held then.</summary>
    public ImmutableSortedDictionary<string, long> Checkpoints { get; init; } =
        ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The migration this VM is arriving by, until it switches over here; null once it runs here.</summary>
    public string? IncomingMigration { get; init; }

    /// <summary>The host the VM switched over to; it waits here, stopped, for the migration to complete.</summary>
    public string? MigratedTo { get; init; }

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

    /// <summary>
    /// What the host's VMs take now: a running VM its cores and memory, except that a forked child takes only the
    /// memory it wrote since, and a parent with children holds its memory once, shared by them all, even suspended.
    /// </summary>
    public Resources InUse
    {
        get
        {
            var withChildren = Vms.Select(v => v.ForkedFrom).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var parents = Vms.Where(v => v.ForkedFrom is null && withChildren.Contains(v.VmId)).ToList();
            var running = Vms.Where(v => v.PowerState == VmPowerState.Running).Select(v => v.ForkedFrom is null || v.Diverged
                ? v.Definition.Hardware with { DiskGib = 0 }
                : new Resources(v.Definition.Hardware.CpuCores, v.PrivateMemoryMib, 0));
            var shared = parents.Where(p => p.PowerState != VmPowerState.Running).Select(p => new Resources(0, p.Definition.Hardware.MemoryMib, 0));
            return Resources.Sum(running.Concat(shared)) with { DiskGib = Disks.AllocatedGib + Vms.Sum(v => v.Checkpoints.Values.Sum()) };
        }
    }

    public bool HasChildren(string vmId) => Vms.Any(v => v.ForkedFrom == vmId);

    /// <summary>A host that crashed: it answers nothing until it is back.</summary>
    public bool Down { get; init; }

    public Resources Free => Inventory.Capacity - InUse;

    /// <summary>A stable text of the state; equal texts mean equal states.</summary>
    public string Fingerprint(bool includeBaseLayers)
    {
        var vms = Vms.Select(v => $"vm {v.VmId} {v.PowerState} {v.Definition.DiskLayerId} {v.Definition.Hardware} apps=[{string.Join(",", v.InstalledApps.Keys)}]" +
                                  (v.ForkedFrom is null ? "" : $" forked-from={v.ForkedFrom}") +
                                  (v.IncomingMigration is null ? "" : $" incoming={v.IncomingMigration}") +
                                  (v.MigratedTo is null ? "" : $" migrated-to={v.MigratedTo}"));
        var layers = Disks.Layers.Values
            .Where(l => includeBaseLayers || !l.IsBase)
            .OrderBy(l => l.LayerId, StringComparer.Ordinal)
            .Select(l => $"layer {l.LayerId}<-{l.ParentLayerId ?? l.Image} {l.VirtualSizeGib}/{l.AllocatedGib}");
        var attached = Disks.AttachedVms.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"attach {a.Key}->{a.Value}");
        return $"[{Inventory.HostId}: {string.Join("; ", vms.Concat(layers).Concat(attached))}]";
    }
}
