using System.Collections.Concurrent;
using System.Security.Cryptography;
using CloudController.Domain.Catalog;
using CloudController.Domain.Validation;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Images;

/// <summary>
/// The node's store of base images, the directory the QEMU driver takes <c>NAME.qcow2</c> from. An image is fetched
/// into it once: streamed to a temporary file beside it while hashed, its digest and content checked
/// (<see cref="ImageCheck"/>), then moved in under its name, so the driver never sees half an image; on any failure
/// the temporary file goes and the store is as it was. <c>NAME.digests</c> beside an image records what it was
/// fetched from and its digests, so the same image asked again is not fetched again.
/// </summary>
public sealed class ImageStore
{
    private const string ImageExtension = ".qcow2";
    private const string DigestsExtension = ".digests";
    private const string SourcePrefix = "# fetched from ";
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly QemuImg _img;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _importing = new(StringComparer.Ordinal);

    /// <param name="handler">How the store reaches image servers; the default connects within 30 s.</param>
    public ImageStore(string directory, string qemuImgProgram = "qemu-img", HttpMessageHandler? handler = null)
    {
        Directory = Path.GetFullPath(directory);
        _img = new QemuImg(qemuImgProgram);
        // No overall timeout: an image of gigabytes takes what it takes; a server silent for a minute is given up on.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Directory { get; }

    /// <summary>
    /// The store for a node's driver: the QEMU driver's images directory; otherwise <c>DATA-DIR/images</c>, where an
    /// image is fetched and checked exactly as it would be for QEMU. For host agents that copy is the model's proof:
    /// each agent lacking the image fetches it from the same address and checks it against the SHA-256 taken here.
    /// </summary>
    public static ImageStore For(IHypervisorDriver driver, string dataDirectory)
    {
        if (driver is QemuDriver qemu) return qemu.Images;
        var store = new ImageStore(Path.Combine(dataDirectory, "images"));
        if (driver is Agents.AgentDriver agents) agents.ImageSources = store.SourceOf;
        return store;
    }

    /// <summary>Removes an image the store fetched, with its record: undoes an import whose model was then refused.</summary>
    public void Remove(string image)
    {
        File.Delete(ImageFile(image));
        File.Delete(Path.Combine(Directory, image + DigestsExtension));
    }

    public string ImageFile(string image) => Path.Combine(Directory, image + ImageExtension);

    /// <summary>The digests recorded when the store fetched the image; empty when it was put there by hand.</summary>
    public IReadOnlyList<ImageDigest> RecordedDigests(string image)
    {
        var file = Path.Combine(Directory, image + DigestsExtension);
        if (!File.Exists(file)) return [];
        return File.ReadAllLines(file).Select(ImageDigest.Parse).OfType<ImageDigest>().ToList();
    }

    /// <summary>Where the store fetched the image from, with its SHA-256 as fetched; null for one put there by hand.</summary>
    public ImageSource? SourceOf(string image)
    {
        var file = Path.Combine(Directory, image + DigestsExtension);
        if (!File.Exists(file)) return null;
        var lines = File.ReadAllLines(file);
        var url = lines.FirstOrDefault(l => l.StartsWith(SourcePrefix, StringComparison.Ordinal))?[SourcePrefix.Length..];
        var sha256 = lines.Select(ImageDigest.Parse).FirstOrDefault(d => d?.Algorithm == ImageDigest.Sha256);
        return url is null || sha256 is null ? null : new ImageSource(url, sha256);
    }

    /// <summary>
    /// Makes the image <paramref name="source"/> names available as <paramref name="image"/>: fetched and checked, or
    /// already there with the same digest. Refusals raise <see cref="ImageImportException"/> naming the field at fault.
    /// </summary>
    /// <returns>Whether it was fetched now (false: the store already held it).</returns>
    public async Task<bool> ImportAsync(string image, ImageSource source, CancellationToken ct)
    {
        if (!QemuPaths.IsSafeName(image))
            throw new ImageImportException(new FieldError("disk_image", $"'{image}' is not a plain file name", "use letters, digits, '.', '-' and '_'"));
        var gate = _importing.GetOrAdd(image, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (File.Exists(ImageFile(image)))
            {
                if (ImageCheck.Existing(image, source, RecordedDigests(image)) is { } conflict) throw new ImageImportException(conflict);
                return false;
            }
            await FetchAsync(image, source, ct);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task FetchAsync(string image, ImageSource source, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // Beside the image, so that the final move is a rename within one file system; a leading dot keeps the driver off it.
        var partial = Path.Combine(Directory, $".{image}.{Guid.NewGuid():N}.part");
        var converted = partial + ImageExtension;
        var digestsPartial = partial + DigestsExtension;
        try
        {
            var digests = await DownloadAsync(source, partial, ct);
            var fetched = digests.First(d => d.Algorithm == source.Digest.Algorithm);
            if (ImageCheck.Digest(source, fetched.Hex) is { } mismatch) throw new ImageImportException(mismatch);

            var info = await _img.InfoAsync(partial, ct);
            var checkProblem = info.Format == "qcow2" && info.BackingFile is null ? await _img.CheckAsync(partial, ct) : null;
            if (ImageCheck.Content(source, info.Format, new FileInfo(partial).Length, info.BackingFile, checkProblem) is { } bad) throw new ImageImportException(bad);
            var ready = partial;
            if (info.Format != "qcow2")
            {
                await _img.ConvertAsync(partial, info.Format, converted, ct);
                ready = converted;
            }

            // The record first: an image whose record is missing would look put there by hand and never be reused.
            var record = Path.Combine(Directory, image + DigestsExtension);
            await File.WriteAllLinesAsync(digestsPartial, [SourcePrefix + source.Url, .. digests.Select(d => d.ToString())], ct);
            File.Move(digestsPartial, record, overwrite: true);
            try
            {
                File.Move(ready, ImageFile(image), overwrite: false);
            }
            catch (IOException)
            {
                // Someone put a file under that name meanwhile: it keeps its name, and gets no record of this image.
                File.Delete(record);
                throw;
            }
        }
        finally
        {
            foreach (var file in new[] { partial, converted, digestsPartial }) File.Delete(file);
        }
    }

    /// <summary>Streams the image to <paramref name="target"/>, hashing it on the way; returns its SHA-256 and SHA-512.</summary>
    private async Task<ImageDigest[]> DownloadAsync(ImageSource source, string target, CancellationToken ct)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            silence.CancelAfter(Silence);
            using var response = await _http.GetAsync(source.Url, HttpCompletionOption.ResponseHeadersRead, silence.Token);
            if (!response.IsSuccessStatusCode)
                throw Unreachable(source, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            await using var body = await response.Content.ReadAsStreamAsync(silence.Token);
            await using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
            var buffer = new byte[1 << 20];
            while (true)
            {
                silence.CancelAfter(Silence);
                var read = await body.ReadAsync(buffer, silence.Token);
                if (read == 0) break;
                sha256.AppendData(buffer, 0, read);
                sha512.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(source, e.InnerException?.Message ?? e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unreachable(source, $"the server sent nothing for {Silence.TotalSeconds:0} s");
        }
        return [new ImageDigest(ImageDigest.Sha256, Convert.ToHexStringLower(sha256.GetHashAndReset())),
                new ImageDigest(ImageDigest.Sha512, Convert.ToHexStringLower(sha512.GetHashAndReset()))];
    }

    private static ImageImportException Unreachable(ImageSource source, string why) =>
        new(new FieldError("image_url", $"{HostnameRules.Printable(source.Url, 200)} could not be fetched by this node: {HostnameRules.Printable(why, 200)}; nothing was kept",
            "check the address, and that this node reaches it (DNS, proxy, firewall)"));
}

/// <summary>An image the store refused: the request field at fault, the problem and the fix.</summary>
public sealed class ImageImportException(FieldError error) : Exception(error.ToString())
{
    public FieldError Error { get; } = error;
}
