using System.Text.Json;

namespace CloudController.Hypervisor.Qemu;

/// <summary>Guards: one operation at a time per host, refusals naming what to do, and every host fault wrapped as a driver fault.</summary>
public sealed partial class QemuDriver
{
    private void ProtectParent(DriverOperation op, string hostId, string vmId)
    {
        var children = VmRecords(hostId).Where(v => v.ForkedFrom == vmId).Select(v => v.Definition.VmId).ToList();
        if (children.Count > 0)
            throw Refuse(op, hostId, $"VM {vmId} is the parent of {children.Count} forked children ({string.Join(", ", children.Take(3))}); remove or promote them first");
    }

    private QemuVmRecord RequireVm(DriverOperation op, string hostId, string vmId) =>
        Vm(hostId, vmId) is { MigratedTo: null, IncomingMigration: null } vm ? vm : throw Refuse(op, hostId, $"no VM {vmId} on this host");

    private static void RequireName(DriverOperation op, string hostId, string name, string what)
    {
        if (!QemuPaths.IsSafeName(name))
            throw Refuse(op, hostId, $"{what} '{name}' is not a plain name (1-64 letters, digits, '.', '_', '-' or '@'); it names files on the host");
    }

    private QemuHostOptions HostOptions(DriverOperation op, string hostId) =>
        hosts.TryGetValue(hostId, out var host) ? host : throw Refuse(op, hostId, $"no such host; this driver has {string.Join(", ", hosts.Keys)}");

    private async Task OnHost(DriverOperation op, string hostId, CancellationToken ct, Func<Task> work)
    {
        HostOptions(op, hostId);
        var turn = hostTurns[hostId];
        await turn.WaitAsync(ct);
        try { await Guard(op, hostId, work); }
        finally { turn.Release(); }
    }

    private async Task<T> OnHost<T>(DriverOperation op, string hostId, CancellationToken ct, Func<Task<T>> work)
    {
        T result = default!;
        await OnHost(op, hostId, ct, async () => { result = await work(); });
        return result;
    }

    private async Task OnHosts(DriverOperation op, string firstHost, string secondHost, CancellationToken ct, Func<Task> work)
    {
        if (firstHost == secondHost) { await OnHost(op, firstHost, ct, work); return; }
        HostOptions(op, firstHost);
        HostOptions(op, secondHost);
        // Always taken in the same order, so two migrations in opposite directions cannot deadlock.
        var ordered = new[] { firstHost, secondHost }.Order(StringComparer.Ordinal).Select(h => hostTurns[h]).ToArray();
        await ordered[0].WaitAsync(ct);
        try
        {
            await ordered[1].WaitAsync(ct);
            try { await Guard(op, firstHost, work); }
            finally { ordered[1].Release(); }
        }
        finally { ordered[0].Release(); }
    }

    /// <summary>Everything a host tool or QEMU throws leaves as a <see cref="HypervisorException"/> naming the operation.</summary>
    private static async Task Guard(DriverOperation op, string hostId, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or QmpException or UnauthorizedAccessException or JsonException)
        {
            throw new HypervisorException(op, hostId, e.Message, e);
        }
    }

    private static HypervisorException Refuse(DriverOperation op, string hostId, string reason) => new(op, hostId, reason);
}
