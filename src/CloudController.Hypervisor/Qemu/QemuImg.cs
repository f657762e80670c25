using System.Text.Json.Nodes;

namespace CloudController.Hypervisor.Qemu;

/// <summary>The qcow2 operations layered disks need, carried out by <c>qemu-img</c>.</summary>
public sealed class QemuImg(string program = "qemu-img")
{
    /// <summary>A copy-on-write layer over a backing image; reads fall through to it, writes stay in the layer.</summary>
    public Task CreateOverlayAsync(string path, string backingPath, long? sizeGib, CancellationToken ct) =>
        ExternalCommand.RunAsync(program,
            ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", Path.GetFullPath(backingPath), path, .. sizeGib is { } g ? [$"{g}G"] : Array.Empty<string>()], ct);

    /// <summary>An empty image, for a base that is made rather than copied.</summary>
    public Task CreateAsync(string path, long sizeGib, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["create", "-q", "-f", "qcow2", path, $"{sizeGib}G"], ct);

    /// <summary>A standalone copy of a whole chain: the full-copy layout, and a promotion of a powered-off clone.</summary>
    public Task FlattenAsync(string sourcePath, string targetPath, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["convert", "-q", "-O", "qcow2", sourcePath, targetPath], ct);

    /// <summary>
    /// A copy of a chain's top over another backing image with the same content as the chain's base: the copy holds
    /// only what differs from it. <c>-U</c>: the source may be open in a (stopped) QEMU process holding its lock.
    /// </summary>
    public Task ConvertOverAsync(string sourcePath, string backingPath, string targetPath, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["convert", "-q", "-U", "-O", "qcow2", "-B", Path.GetFullPath(backingPath), "-F", "qcow2", sourcePath, targetPath], ct);

    /// <summary>A standalone qcow2 copy of an image in another format (a raw image entering the image store).</summary>
    public Task ConvertAsync(string sourcePath, string sourceFormat, string targetPath, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["convert", "-q", "-f", sourceFormat, "-O", "qcow2", sourcePath, targetPath], ct);

    /// <summary>The bytes of a file another machine serves over NBD (raw), into a local file that keeps their holes.</summary>
    public Task PullRawAsync(string nbdAddress, string targetPath, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["convert", "-q", "-f", "raw", "-O", "raw", nbdAddress, targetPath], ct);

    /// <summary>Points a layer at another file with the same content as its backing one (a copy's base on another machine).</summary>
    public Task RebaseOntoAsync(string path, string backingPath, CancellationToken ct) =>
        ExternalCommand.RunAsync(program, ["rebase", "-q", "-u", "-F", "qcow2", "-b", Path.GetFullPath(backingPath), "-f", "qcow2", path], ct);

    public async Task<QemuImageInfo> InfoAsync(string path, CancellationToken ct)
    {
        var json = JsonNode.Parse(await ExternalCommand.RunAsync(program, ["info", "--output=json", "-U", path], ct))!;
        return new QemuImageInfo(
            json["virtual-size"]?.GetValue<long>() ?? 0,
            json["full-backing-filename"]?.GetValue<string>() ?? json["backing-filename"]?.GetValue<string>(),
            json["format"]?.GetValue<string>() ?? "");
    }

    /// <summary>
    /// What <c>qemu-img check</c> finds wrong with a qcow2 image, or null when nothing is. Leaked clusters (exit 3)
    /// waste space but lose nothing, so they pass.
    /// </summary>
    public async Task<string?> CheckAsync(string path, CancellationToken ct)
    {
        try
        {
            await ExternalCommand.RunAsync(program, ["check", "-q", "-f", "qcow2", path], ct, 3);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }
}

/// <summary>What the driver reads of an image: the disk size its guest sees, the image under it in its chain, its format.</summary>
public sealed record QemuImageInfo(long VirtualSizeBytes, string? BackingFile, string Format = "");
