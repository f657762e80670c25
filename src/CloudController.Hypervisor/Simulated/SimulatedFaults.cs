namespace CloudController.Hypervisor.Simulated;

/// <summary>The faults waiting to be injected into a simulated fleet. Thread-safe.</summary>
public sealed class SimulatedFaults
{
    private readonly List<SimulatedFault> _pending = [];

    public void Inject(SimulatedFault fault)
    {
        if (fault.Times < 1) throw new ArgumentOutOfRangeException(nameof(fault), "a fault fires at least once");
        lock (_pending) _pending.Add(fault);
    }

    /// <summary>How many faults wait to fire: once an injected one is gone, a call has entered it.</summary>
    public int Pending
    {
        get
        {
            lock (_pending) return _pending.Count;
        }
    }

    public void Clear()
    {
        lock (_pending) _pending.Clear();
    }

    /// <summary>The first pending fault matching the call, counted down; null when none matches.</summary>
    internal SimulatedFault? Take(DriverOperation operation, string hostId, string? vmId)
    {
        lock (_pending)
        {
            var at = _pending.FindIndex(f => f.Operation == operation &&
                                             (f.HostId is null || f.HostId == hostId) &&
                                             (f.VmId is null || f.VmId == vmId));
            if (at < 0) return null;
            var fault = _pending[at];
            if (fault.Times == 1) _pending.RemoveAt(at);
            else if (fault.Times != int.MaxValue) _pending[at] = fault with { Times = fault.Times - 1 };
            return fault;
        }
    }
}
