using System.Security.Cryptography;

namespace CloudController.FirstBoot;

/// <summary>
/// One-time activation tokens: 32 random bytes, base64url. The controller keeps only their SHA-256 hash, so its
/// journal cannot be replayed into a hand-out.
/// </summary>
public static class ActivationToken
{
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(FieldCodec.Utf8(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
