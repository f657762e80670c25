using System.Security.Cryptography;
using System.Text;

namespace CloudController.Domain.Access;

/// <summary>
/// API tokens: 32 random bytes, shown once when made. Only their SHA-256 is kept, so the journal and its backups hold
/// nothing that opens the API; a token has too much entropy for its hash to be guessed back.
/// </summary>
public static class AccessToken
{
    private const string Prefix = "cct_";

    /// <param name="prefix">What the token is for, seen at a glance: cct_ for the API, ccj_ for joining a host.</param>
    public static string New(string prefix = Prefix) => prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token.Trim())));
}
