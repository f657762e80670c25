using System.Collections.Immutable;

namespace CloudController.Domain.Fleet;

/// <summary>What a hypervisor host is: discovered from its driver, it changes only when the host is rebuilt.</summary>
public sealed record HostInventory(
    string HostId,
    string HardwareClass,
    Resources Capacity,
    ImmutableArray<string> CpuFlags)
{
    // ImmutableArray compares by reference; an inventory rediscovered at every start must compare equal by content.
    public bool Equals(HostInventory? other) =>
        other is not null && HostId == other.HostId && HardwareClass == other.HardwareClass &&
        Capacity == other.Capacity && CpuFlags.SequenceEqual(other.CpuFlags);

    public override int GetHashCode() => HashCode.Combine(HostId, HardwareClass, Capacity, CpuFlags.Length);
}

public enum HostState
{
    /// <summary>Takes new VMs.</summary>
    Active,
    /// <summary>Keeps its VMs, takes no new ones; being emptied.</summary>
    Draining,
    /// <summary>Taken out of service by an operator.</summary>
    Maintenance,
    /// <summary>Not answering its driver.</summary>
    Offline,
}
