using CloudController.Domain;

namespace CloudController.Hypervisor.Simulated;

/// <summary>The shape of a simulated fleet: how many hosts, how big, and how slow each operation is.</summary>
public sealed record SimulatedFleetOptions
{
    public int HostCount { get; init; } = 8;

    /// <summary>Host ids are this and a number; fleets served by several host agents each take their own.</summary>
    public string HostIdPrefix { get; init; } = "sim-host-";

    public Resources HostCapacity { get; init; } = new(32, 131072, 2000);

    /// <summary>Hardware classes, assigned to hosts round-robin.</summary>
    public IReadOnlyList<string> HardwareClasses { get; init; } = ["general", "compute"];

    /// <summary>CPU flags every host has; every other host also has <see cref="AlternateCpuFlags"/>.</summary>
    public IReadOnlyList<string> CpuFlags { get; init; } = ["sse4_2", "avx"];

    public IReadOnlyList<string> AlternateCpuFlags { get; init; } = ["avx2", "x86-64-v3"];

    /// <summary>Memory a forked child writes soon after it starts (its identity, its caches): all it takes of its own.</summary>
    public long ForkedChildPrivateMemoryMib { get; init; } = 64;

    /// <summary>What a new copy-on-write layer takes on the datastore before the guest writes to it.</summary>
    public long CopyOnWriteInitialGib { get; init; } = 1;

    /// <summary>Added before each operation of that kind, to model a real hypervisor's pace.</summary>
    public IReadOnlyDictionary<DriverOperation, TimeSpan> Latency { get; init; } = new Dictionary<DriverOperation, TimeSpan>();
}
