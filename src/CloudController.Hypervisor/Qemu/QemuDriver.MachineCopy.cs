using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// A copy of a suspended VM to a QEMU driver on another machine, cold: the source serves what differs of its disk from
/// the base, its memory and its saved device state read-only over NBD (<c>qemu-nbd</c>) on this machine's migration
/// address, each with its SHA-256; the target pulls each into a partial file, checks its digest and only then puts it
/// in place. Whatever fails on the target takes everything the copy made there with it.
/// </summary>
public sealed partial class QemuDriver : IMachineCopy
{
    /// <summary>Per copy being offered: the NBD servers and the scratch directory of its disk's difference.</summary>
    private readonly ConcurrentDictionary<string, (List<Process> Servers, string Scratch)> _copyOffers = new(StringComparer.Ordinal);

    public Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct) =>
        OnHost(DriverOperation.OfferCopy, plan.SourceHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.OfferCopy;
            var vm = RequireVm(op, plan.SourceHostId, plan.SourceVmId);
            if (PowerState(plan.SourceHostId, vm) != VmPowerState.Suspended)
                throw Refuse(op, plan.SourceHostId, $"VM {plan.SourceVmId} is {PowerState(plan.SourceHostId, vm)}; only a suspended VM has a saved state to copy");
            var chain = Chain(plan.SourceHostId, vm.Definition.DiskLayerId);
            var baseLayer = chain[^1];
            var key = CopyKey(plan);
            await EndCopyOfferAsync(plan, ct);
            var scratch = Path.Combine(Paths.Runtime, "copies", key);
            Directory.CreateDirectory(scratch);
            var offered = (Servers: new List<Process>(), Scratch: scratch);
            _copyOffers[key] = offered;
            try
            {
                // Only what differs from the base crosses: the target has (or fetches) the same base.
                var disk = Path.Combine(scratch, "disk.qcow2");
                await img.ConvertOverAsync(chain[0].File, baseLayer.File, disk, ct);
                var streams = ImmutableArray.CreateBuilder<CopyStream>();
                foreach (var (name, file) in new[] { ("disk", disk), ("memory", vm.MemoryFile!), ("state", Paths.SavedState(plan.SourceHostId, plan.SourceVmId)) })
                    streams.Add(await ServeAsync(offered.Servers, name, file, ct));
                var size = (await img.InfoAsync(chain[0].File, ct)).VirtualSizeBytes;
                return new CopyOffer(JsonSerializer.Serialize(vm), baseLayer.LayerId, baseLayer.Image!, baseLayer.Linked, size, streams.ToImmutable());
            }
            catch
            {
                await EndCopyOfferAsync(plan, CancellationToken.None);
                throw;
            }
        });

    public Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct) =>
        OnHost(DriverOperation.AcceptCopy, plan.TargetHostId, ct, async () =>
        {
            const DriverOperation op = DriverOperation.AcceptCopy;
            var (hostId, copy) = (plan.TargetHostId, plan.Copy);
            RequireName(op, hostId, copy.VmId, "VM id");
            RequireName(op, hostId, copy.DiskLayerId, "layer id");
            if (Vm(hostId, copy.VmId) is { } existing)
            {
                if (existing.Definition == copy) return;
                throw Refuse(op, hostId, $"VM {copy.VmId} exists with another definition");
            }
            if (Layer(hostId, copy.DiskLayerId) is not null) throw Refuse(op, hostId, $"layer {copy.DiskLayerId} already exists here; give the copy a layer of its own");
            var source = JsonSerializer.Deserialize<QemuVmRecord>(offer.VmJson) ?? throw Refuse(op, hostId, "the offer carries no VM record");
            var hadBase = Layer(hostId, offer.BaseLayerId) is not null;
            var layerFile = Paths.LocalLayerFile(hostId, copy.DiskLayerId);
            try
            {
                await EnsureBaseAsync(hostId, offer.BaseLayerId, offer.Image, offer.SharedBase, ct);
                var toBase = Layer(hostId, offer.BaseLayerId)!;
                Directory.CreateDirectory(Paths.Vm(hostId, copy.VmId));
                await PullAsync(op, hostId, Stream(op, hostId, offer, "disk"), layerFile, ct, partial => img.RebaseOntoAsync(partial, toBase.File, ct));
                await PullAsync(op, hostId, Stream(op, hostId, offer, "memory"), Paths.Memory(hostId, copy.VmId), ct);
                await PullAsync(op, hostId, Stream(op, hostId, offer, "state"), Paths.SavedState(hostId, copy.VmId), ct);
                SaveLayer(hostId, new QemuLayerRecord(copy.DiskLayerId, layerFile, offer.BaseLayerId));
                // A clone resumes the source's memory: a generation of its own tells its guest so.
                Save(hostId, new QemuVmRecord(copy)
                {
                    MemoryFile = Paths.Memory(hostId, copy.VmId), Apps = source.Apps, Customizations = source.Customizations, SavedBeforeReady = source.SavedBeforeReady,
                    GenerationId = source.GenerationId is null ? null : Guid.NewGuid(),
                });
            }
            catch
            {
                // Nothing of a failed copy stays: its files, its layer, and a base it brought.
                if (Directory.Exists(Paths.Vm(hostId, copy.VmId))) Directory.Delete(Paths.Vm(hostId, copy.VmId), recursive: true);
                File.Delete(layerFile);
                File.Delete(Paths.LayerRecord(hostId, copy.DiskLayerId));
                if (!hadBase && Layer(hostId, offer.BaseLayerId) is { } broughtBase) ForgetLayer(hostId, broughtBase);
                throw;
            }
        });

    public Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct)
    {
        if (!_copyOffers.TryRemove(CopyKey(plan), out var offered)) return Task.CompletedTask;
        foreach (var server in offered.Servers)
        {
            if (!server.HasExited) server.Kill();
            server.WaitForExit();
            server.Dispose();
        }
        if (Directory.Exists(offered.Scratch)) Directory.Delete(offered.Scratch, recursive: true);
        return Task.CompletedTask;
    }

    private static string CopyKey(CopyPlan plan) => $"{plan.SourceHostId}-{plan.SourceVmId}-{plan.TargetHostId}-{plan.Copy.VmId}";

    private static CopyStream Stream(DriverOperation op, string hostId, CopyOffer offer, string name) =>
        offer.Streams.FirstOrDefault(s => s.Name == name) ?? throw Refuse(op, hostId, $"the offer has no {name} to copy: the source's driver is not QEMU");

    /// <summary>One file served read-only over NBD on the migration address, once it accepts connections.</summary>
    private async Task<CopyStream> ServeAsync(List<Process> servers, string name, string file, CancellationToken ct)
    {
        var address = options.MigrationAddress;
        var port = FreePort(address);
        var start = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "--read-only", "--persistent", "--format=raw", $"--bind={address}", $"--port={port}", file })
            start.ArgumentList.Add(argument);
        var server = Process.Start(start) ?? throw new InvalidOperationException("qemu-nbd could not be started; is qemu-utils installed?");
        servers.Add(server);
        var digest = Convert.ToHexStringLower(await HashFileAsync(file, ct));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (server.HasExited) throw new InvalidOperationException($"qemu-nbd serving {name} exited {server.ExitCode}: {(await server.StandardError.ReadToEndAsync(ct)).Trim()}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address, port, ct);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, ct);
            }
        }
        return new CopyStream(name, $"nbd://{address}:{port}", digest, new FileInfo(file).Length);
    }

    /// <summary>Pulled into a partial file, cut to the source's length (NBD rounds up to whole sectors), checked, then put in place.</summary>
    private async Task PullAsync(DriverOperation op, string hostId, CopyStream stream, string path, CancellationToken ct, Func<string, Task>? then = null) =>
        await WriteWholeAsync(path, async partial =>
        {
            await img.PullRawAsync(stream.Address, partial, ct);
            using (var file = new FileStream(partial, FileMode.Open, FileAccess.Write)) file.SetLength(stream.Bytes);
            var digest = Convert.ToHexStringLower(await HashFileAsync(partial, ct));
            if (digest != stream.Sha256)
                throw Refuse(op, hostId, $"the {stream.Name} copied from {stream.Address} has SHA-256 {digest}, not the source's {stream.Sha256}; nothing of the copy is kept");
            if (then is not null) await then(partial);
        });

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await SHA256.HashDataAsync(file, ct);
    }
}
