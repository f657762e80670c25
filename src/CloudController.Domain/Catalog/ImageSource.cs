using System.Collections.Immutable;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Catalog;

/// <summary>A digest as its publisher gives it: the algorithm and the lower-case hex of the hash.</summary>
public sealed record ImageDigest(string Algorithm, string Hex)
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    /// <summary>The request field the digest came in, which a mismatch names.</summary>
    public string Field => $"image_{Algorithm}";

    /// <summary>The name people know the algorithm by, as in "SHA-256".</summary>
    public string DisplayName => Algorithm == Sha256 ? "SHA-256" : "SHA-512";

    public override string ToString() => $"{Algorithm}:{Hex}";

    /// <summary>A digest written as <c>ALGORITHM:HEX</c>, as a model records it; null for anything else.</summary>
    public static ImageDigest? Parse(string text) =>
        text.Split(':') is [var algorithm, var hex] && HexLength(algorithm) is { } length && IsHex(hex, length)
            ? new ImageDigest(algorithm, hex)
            : null;

    internal static int? HexLength(string algorithm) => algorithm switch
    {
        Sha256 => 64,
        Sha512 => 128,
        _ => null,
    };

    internal static bool IsHex(string value, int length) => value.Length == length && value.All(char.IsAsciiHexDigitLower);
}

/// <summary>
/// Where a model's base image was fetched from and the digest that proves it is the image meant: recorded with the
/// model, so an operator can see (and anyone can re-check) what its clones run.
/// </summary>
public sealed record ImageSource(string Url, ImageDigest Digest)
{
    private const int MaxUrlLength = 2048;

    /// <summary>
    /// The source a request names, or every problem with it, fields named as on the wire. No URL and no digest is no
    /// source at all (the image is already in the store); a URL needs exactly one digest, and a digest needs a URL.
    /// </summary>
    public static (ImageSource? Source, ImmutableArray<FieldError> Errors) Parse(string url, string sha256, string sha512)
    {
        url = url.Trim();
        sha256 = sha256.Trim().ToLowerInvariant();
        sha512 = sha512.Trim().ToLowerInvariant();
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        if (url.Length == 0)
        {
            if (sha256.Length > 0 || sha512.Length > 0)
                errors.Add(new FieldError("image_url", "is required with a digest", "give the address the image is fetched from (--image-url), or drop the digest to use an image already in the store"));
            return (null, errors.ToImmutable());
        }
        if (UrlProblem(url) is { } problem)
            errors.Add(new FieldError("image_url", $"'{HostnameRules.Printable(url)}' {problem.What}", problem.Fix));
        var digest = DigestOf(errors, sha256, sha512);
        return errors.Count > 0 ? (null, errors.ToImmutable()) : (new ImageSource(url, digest!), []);
    }

    private static ImageDigest? DigestOf(ImmutableArray<FieldError>.Builder errors, string sha256, string sha512)
    {
        const string fromPublisher = "copy it from the publisher's sums file (SHA256SUMS, SHA512SUMS) or compute it with sha256sum FILE";
        if (sha256.Length > 0 && sha512.Length > 0)
        {
            errors.Add(new FieldError("image_sha512", "is given with image_sha256", "give one digest: --sha256 or --sha512"));
            return null;
        }
        if (sha256.Length == 0 && sha512.Length == 0)
        {
            errors.Add(new FieldError("image_sha256", "is required with image_url: an image is never taken unchecked", $"give --sha256 HEX (or --sha512 HEX); {fromPublisher}"));
            return null;
        }
        var (algorithm, hex) = sha256.Length > 0 ? (ImageDigest.Sha256, sha256) : (ImageDigest.Sha512, sha512);
        var length = ImageDigest.HexLength(algorithm)!.Value;
        if (ImageDigest.IsHex(hex, length)) return new ImageDigest(algorithm, hex);
        errors.Add(new FieldError($"image_{algorithm}", $"'{HostnameRules.Printable(hex)}' is not {length} hex digits",
            $"give the whole digest, {length} characters 0-9 and a-f; {fromPublisher}"));
        return null;
    }

    private static (string What, string Fix)? UrlProblem(string url)
    {
        const string example = "e.g. https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2";
        if (url.Length > MaxUrlLength) return ($"is {url.Length} characters long", $"use an address of at most {MaxUrlLength}");
        if (url.Any(char.IsControl) || url.Any(char.IsWhiteSpace)) return ("has spaces or control characters", $"give one address, {example}");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return ("is not an absolute address", $"give the image's full address, {example}");
        if (uri.Scheme is not ("http" or "https")) return ($"uses '{uri.Scheme}:'", $"serve the image over http or https, {example}");
        if (uri.Host.Length == 0) return ("names no host", $"give the server's name, {example}");
        // The model keeps the address, and shows it to everyone who reads the catalog.
        if (uri.UserInfo.Length > 0) return ("carries a user name or password, which the model would keep in clear", "serve the image without credentials in its address");
        return null;
    }
}
