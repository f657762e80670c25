using CloudController.FirstBoot;
using CloudController.Hypervisor.CloudInit;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Writes a VM's NoCloud seed as the disk QEMU attaches: an ISO9660 volume labelled <c>cidata</c> made by Debian's
/// genisoimage, padded to a fixed size and written over the disk file in place, so a running QEMU (which keeps the
/// file open) serves the new seed at the guest's next boot. Owner-only: the seed may hold secrets.
/// </summary>
internal static class NoCloudSeedDisk
{
    /// <summary>Fixed, so the disk QEMU sees never changes size; far above what 256 KiB of data renders to.</summary>
    public const long Size = 2L << 20;

    public static async Task WriteAsync(string path, NoCloudSeed seed, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the QEMU driver runs on Linux");
        var work = path + ".d";
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work, OwnerOnlyFile.Mode | UnixFileMode.UserExecute);
        try
        {
            var files = new[] { ("meta-data", seed.MetaData), ("user-data", seed.UserData), ("network-config", seed.NetworkConfig) };
            foreach (var (name, content) in files) OwnerOnlyFile.Create(Path.Combine(work, name), System.Text.Encoding.UTF8.GetBytes(content));
            var iso = Path.Combine(work, "seed.iso");
            await ExternalCommand.RunAsync("genisoimage",
                ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", .. files.Select(f => Path.Combine(work, f.Item1))], ct);
            var image = await File.ReadAllBytesAsync(iso, ct);
            if (image.Length > Size)
                throw new InvalidOperationException($"the cloud-init seed is {image.Length} bytes, over its disk's {Size}; the VM's data is too large");
            await using var disk = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile.Mode });
            await disk.WriteAsync(image, ct);
            // Cut to the new volume, then padded with zeros: nothing of a longer earlier seed remains.
            disk.SetLength(image.Length);
            disk.SetLength(Size);
            disk.Flush(flushToDisk: true);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
