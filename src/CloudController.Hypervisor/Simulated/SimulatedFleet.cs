using System.Collections.Concurrent;
using System.Collections.Immutable;
using CloudController.Domain.Disks;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Simulated;

/// <summary>
/// A fleet of simulated hypervisor hosts whose state is modelled exactly (disk layers, VMs and their power state,
/// physical memory and cores in use), with injectable faults and latency. It stands in for real hosts in the
/// embedded profile, in tests and in benchmarks; <see cref="SimulatedDriver"/> drives it.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly ConcurrentDictionary<string, SimulatedHostState> _hosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<DriverOperation, long> _operations = new();

    public SimulatedFleet(SimulatedFleetOptions options)
    {
        if (options.HostCount < 1) throw new ArgumentOutOfRangeException(nameof(options), "a fleet has at least one host");
        Options = options;
        var width = options.HostCount.ToString().Length;
        for (var i = 1; i <= options.HostCount; i++)
        {
            var id = $"{options.HostIdPrefix}{i.ToString().PadLeft(Math.Max(2, width), '0')}";
            var flags = i % 2 == 0 ? options.CpuFlags.Concat(options.AlternateCpuFlags) : options.CpuFlags;
            var inventory = new HostInventory(id, options.HardwareClasses[(i - 1) % options.HardwareClasses.Count],
                options.HostCapacity, flags.ToImmutableArray());
            _hosts[id] = new SimulatedHostState(inventory, DiskLayerStore.Empty, ImmutableSortedDictionary<string, SimulatedVm>.Empty.WithComparers(StringComparer.Ordinal));
            _locks[id] = new object();
        }
        HostIds = _hosts.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
    }

    public SimulatedFleetOptions Options { get; }

    public ImmutableArray<string> HostIds { get; }

    public SimulatedFaults Faults { get; } = new();

    /// <summary>How many calls of each operation reached the fleet (faulted ones included).</summary>
    public IReadOnlyDictionary<DriverOperation, long> OperationCounts => _operations;

    internal void Count(DriverOperation operation) => _operations.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public SimulatedHostState Inspect(string hostId) =>
        _hosts.TryGetValue(hostId, out var state)
            ? state
            : throw new HypervisorException(DriverOperation.QueryHostStatus, hostId, "no such host in the simulated fleet");

    /// <summary>
    /// The whole fleet's state as one stable text. Without base layers, it ignores images cached on hosts, which a
    /// rolled-back clone may leave behind by design.
    /// </summary>
    public string Fingerprint(bool includeBaseLayers = true) =>
        string.Join("\n", HostIds.Select(id => _hosts[id].Fingerprint(includeBaseLayers)));

    /// <summary>Crashes a host: every call to it fails until <see cref="Restore"/>; its state stays as it was.</summary>
    public void Crash(string hostId) => Change(DriverOperation.QueryHostStatus, hostId, s => (s with { Down = true }, 0));

    public void Restore(string hostId) => Change(DriverOperation.QueryHostStatus, hostId, s => (s with { Down = false }, 0));

    /// <summary>A guest writes <paramref name="gib"/> more to its own disk layer; the model does not follow writes by itself.</summary>
    public void Write(string hostId, string vmId, long gib) => Change(DriverOperation.GetVm, hostId, s =>
    {
        var layer = s.Disks.Layers[s.VmsById[vmId].Definition.DiskLayerId];
        var grown = layer with { AllocatedGib = Math.Min(layer.VirtualSizeGib, layer.AllocatedGib + gib) };
        return (s with { Disks = s.Disks with { Layers = s.Disks.Layers.SetItem(layer.LayerId, grown) } }, 0);
    });

    /// <summary>Applies a change to one host atomically; the change throws to refuse, leaving the host untouched.</summary>
    internal T Change<T>(DriverOperation operation, string hostId, Func<SimulatedHostState, (SimulatedHostState State, T Result)> change)
    {
        if (!_locks.TryGetValue(hostId, out var gate)) throw new HypervisorException(operation, hostId, "no such host in the simulated fleet");
        lock (gate)
        {
            var (state, result) = change(_hosts[hostId]);
            _hosts[hostId] = state;
            return result;
        }
    }
}
