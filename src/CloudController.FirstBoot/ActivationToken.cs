using System.Buffers.Text;
using System.Security.Cryptography;

namespace CloudController.FirstBoot;

/// <summary>
/// One-time activation tokens: 32 random bytes, base64url. The controller keeps only their SHA-256 hash, so its
/// journal cannot be replayed into a hand-out.
/// </summary>
public static class ActivationToken
{
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of the token, 64 hex digits: what is stored in its place.</summary>
    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(FieldCodec.Utf8(token)));

    /// <summary>Whether a presented token is the one a stored hash was made from, in time independent of where they differ.</summary>
    public static bool Matches(string token, string storedHash)
    {
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.FromHexString(storedHash, expected, out _, out var written) != System.Buffers.OperationStatus.Done || written != expected.Length)
            return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(FieldCodec.Utf8(token)), expected);
    }
}
