namespace CloudController.Hypervisor.Simulated;

public enum SimulatedFaultKind
{
    /// <summary>The operation fails with a <see cref="HypervisorException"/>.</summary>
    Fail,
    /// <summary>The operation never returns until it is cancelled: a hung hypervisor, for abort and crash tests.</summary>
    HangUntilCancelled,
}

/// <summary>
/// A fault to inject: the next <paramref name="Times"/> calls of <paramref name="Operation"/> (on that host or VM,
/// when given) fail or hang before they change anything, so a failed operation leaves no trace.
/// </summary>
public sealed record SimulatedFault(
    DriverOperation Operation,
    string? HostId = null,
    string? VmId = null,
    int Times = 1,
    SimulatedFaultKind Kind = SimulatedFaultKind.Fail);
