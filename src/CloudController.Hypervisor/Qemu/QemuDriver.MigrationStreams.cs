using System.Net;
using System.Net.Sockets;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// The two ends of a running guest's move, apart so that they can run in two drivers on two machines: the target
/// process listens (for the memory, and over NBD for the disk), the source sends, the target arrives.
/// </summary>
public sealed partial class QemuDriver
{
    /// <summary>The block job that mirrors a migrating VM's disk.</summary>
    private const string MirrorJob = "migrate-disk0";

    /// <summary>
    /// Makes a target process (started paused on <c>-incoming defer</c>) wait for the memory on a free port of
    /// <paramref name="address"/>, and, when the disk moves too, serve its disk writable over NBD for the source's mirror.
    /// </summary>
    private static async Task<MigrationEndpoints> ListenAsync(QemuVmProcess to, string address, bool disk, CancellationToken ct)
    {
        string? nbd = null;
        if (disk)
        {
            var nbdPort = FreePort(address);
            await to.Qmp.StartNbdServerAsync(address, nbdPort, ct);
            await to.Qmp.AddNbdExportAsync(QemuLaunch.DiskDevice, ct);
            nbd = $"nbd:{address}:{nbdPort}:exportname={QemuLaunch.DiskDevice}";
        }
        var memory = $"tcp:{address}:{FreePort(address)}";
        await to.Qmp.MigrateIncomingAsync(memory, ct);
        return new MigrationEndpoints(memory, nbd);
    }

    /// <summary>
    /// Sends a running guest to a listening target: with a disk endpoint the source mirrors its disk there
    /// (<paramref name="mirrorSync"/>) until the copies are in step, as libvirt's storage migration does, then all of
    /// its RAM follows. On return the source is paused with the target a complete copy; the mirror is ended in step
    /// (<c>block-job-cancel</c> of a ready job: the source keeps its own disk).
    /// </summary>
    private async Task SendAsync(QemuVmProcess from, MigrationEndpoints to, string? mirrorSync, CancellationToken ct)
    {
        // All of the RAM travels: the new process has a memory file of its own (a fork's source maps its parent's).
        await from.Qmp.IgnoreSharedMemoryAsync(false, ct);
        if (options.MigrationMaxBandwidth > 0) await from.Qmp.SetMaxBandwidthAsync(options.MigrationMaxBandwidth, ct);
        if (to.Disk is { } nbd)
        {
            await from.Qmp.DriveMirrorAsync(QemuLaunch.DiskDevice, MirrorJob, nbd, mirrorSync ?? "top", options.MigrationMaxBandwidth, ct);
            await from.Qmp.WaitForBlockJobReadyAsync(MirrorJob, options.MigrationTimeout, ct);
        }
        await from.Qmp.MigrateAsync(to.Memory, ct);
        LastMigration = await from.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
        if (to.Disk is not null)
        {
            // The source is paused now: still in step, the mirror's cancel flushes its last writes and leaves the
            // target's layer a consistent copy.
            await from.Qmp.WaitForBlockJobReadyAsync(MirrorJob, options.MigrationTimeout, ct);
            await from.Qmp.CancelBlockJobAsync(MirrorJob, force: false, options.MigrationTimeout, ct);
        }
    }

    /// <summary>The target's end: the memory is in, the disk's server goes, and only then does its guest run.</summary>
    private async Task ArriveAsync(QemuVmProcess to, bool disk, CancellationToken ct)
    {
        await to.Qmp.WaitForMigrationAsync(options.MigrationTimeout, ct);
        if (disk) await to.Qmp.StopNbdServerAsync(ct);
        if (await to.Qmp.QueryStatusAsync(ct) != "running") await to.Qmp.ContinueAsync(ct);
    }

    /// <summary>
    /// The source's side of a given-up move: its outgoing migration cancelled, and its mirror abandoned, so its disk
    /// never waits on a target that has gone. Whatever the caller's token says.
    /// </summary>
    private async Task AbandonSendAsync(QemuVmProcess from)
    {
        var none = CancellationToken.None;
        try { await from.Qmp.MigrateCancelAsync(none); } catch (QmpException) { }
        try { await from.Qmp.CancelBlockJobAsync(MirrorJob, force: true, options.MigrationTimeout, none); } catch (QmpException) { }
    }

    private static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
