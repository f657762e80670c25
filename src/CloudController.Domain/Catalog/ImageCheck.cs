using CloudController.Domain.Validation;

namespace CloudController.Domain.Catalog;

/// <summary>
/// What a node decides about a base image it fetched for a model, before the image enters its store: the digest
/// must be the one given, the content a disk image QEMU boots from on its own, and a name already in the store
/// must hold the very same image. Each refusal names the request field at fault and the fix.
/// </summary>
public static class ImageCheck
{
    /// <summary>Formats a base image may come in: raw is converted to qcow2 as it enters the store.</summary>
    public static readonly IReadOnlySet<string> Formats = new HashSet<string>(StringComparer.Ordinal) { "qcow2", "raw" };

    /// <summary>Null when the fetched bytes hash to the digest given; otherwise a refusal quoting both digests.</summary>
    public static FieldError? Digest(ImageSource source, string actualHex) =>
        string.Equals(actualHex, source.Digest.Hex, StringComparison.OrdinalIgnoreCase)
            ? null
            : new FieldError(source.Digest.Field,
                $"the image fetched from {HostnameRules.Printable(source.Url, 200)} has {source.Digest.DisplayName} {actualHex.ToLowerInvariant()}, not the {source.Digest.Hex} given; nothing was kept",
                "check the digest against the publisher's sums file for exactly this file, and that the address is the one meant");

    /// <summary>
    /// Null when <c>qemu-img</c> found a standalone qcow2 or raw image with no problem; a qcow2 that names a backing
    /// file is refused, since that file would be one on this node the publisher chose. qemu-img takes any file it does
    /// not recognise for raw, so a raw image must at least be whole 512-byte sectors, which an archive, a sums file or
    /// an error page almost never is.
    /// </summary>
    public static FieldError? Content(ImageSource source, string format, long sizeBytes, string? backingFile, string? checkProblem)
    {
        var url = HostnameRules.Printable(source.Url, 200);
        if (!Formats.Contains(format) || (format == "raw" && (sizeBytes == 0 || sizeBytes % 512 != 0)))
        {
            var what = Formats.Contains(format) ? $"{sizeBytes}-byte file" : $"{HostnameRules.Printable(format)} file";
            return new FieldError("image_url", $"{url} serves a {what}, not a qcow2 or raw disk image; nothing was kept",
                "give the address of the image itself (for Debian, the .qcow2 or .raw, not the .tar.xz or the sums file)");
        }
        if (backingFile is not null)
            return new FieldError("image_url", $"{url} serves a qcow2 layered over '{HostnameRules.Printable(backingFile)}', which is not part of it; nothing was kept",
                "give a standalone image (qemu-img convert -O qcow2 flattens one)");
        if (checkProblem is not null)
            return new FieldError("image_url", $"{url} serves a damaged {format} image ({HostnameRules.Printable(checkProblem, 300)}); nothing was kept",
                "fetch it again from the publisher, or give another image");
        return null;
    }

    /// <summary>
    /// About a name the store already holds: null when it holds the same image (recorded with the same digest), so
    /// nothing is fetched again; otherwise a refusal, for an image is never replaced under the models using it.
    /// <paramref name="recorded"/> holds the digests taken when the store fetched it; none for an image put there by hand.
    /// </summary>
    public static FieldError? Existing(string image, ImageSource wanted, IReadOnlyCollection<ImageDigest> recorded)
    {
        if (recorded.Contains(wanted.Digest)) return null;
        var held = recorded.Count == 0 ? "an image put there by hand" : $"an image with {recorded.FirstOrDefault(d => d.Algorithm == wanted.Digest.Algorithm) ?? recorded.First()}";
        return new FieldError("disk_image", $"the image store already holds '{image}', {held}, not {wanted.Digest}",
            "choose another image name (--image), or remove the stored image once no model uses it");
    }
}
