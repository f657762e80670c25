using System.Security.Cryptography;
using System.Text;

namespace CloudController.Hypervisor.CloudInit;

/// <summary>
/// The SHA-512 crypt password hash (<c>$6$salt$hash</c>, Drepper's scheme, 5,000 rounds), the form
/// <c>/etc/shadow</c> and cloud-init's <c>hashed_passwd</c> take: a password reaches the guest hashed, never in clear.
/// </summary>
public static class Sha512Crypt
{
    private const int Rounds = 5000;
    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A hash with a fresh random 16-character salt.</summary>
    public static string Hash(string password) =>
        Hash(password, new string(RandomNumberGenerator.GetItems(Alphabet.AsSpan(), 16)));

    public static string Hash(string password, string salt)
    {
        if (salt.Length is 0 or > 16 || salt.Any(c => !Alphabet.Contains(c)))
            throw new ArgumentException("a salt is 1-16 characters of [./0-9A-Za-z]", nameof(salt));
        var p = Encoding.UTF8.GetBytes(password);
        var s = Encoding.ASCII.GetBytes(salt);

        var b = SHA512.HashData([.. p, .. s, .. p]);
        var a = new List<byte>(p.Concat(s));
        for (var n = p.Length; n > 0; n -= 64) a.AddRange(b.Take(Math.Min(n, 64)));
        for (var n = p.Length; n > 0; n >>= 1) a.AddRange((n & 1) != 0 ? b : p);
        var c = SHA512.HashData(a.ToArray());

        var dp = SHA512.HashData(Enumerable.Repeat(p, p.Length).SelectMany(x => x).ToArray());
        var pSequence = Repeat(dp, p.Length);
        var ds = SHA512.HashData(Enumerable.Repeat(s, 16 + c[0]).SelectMany(x => x).ToArray());
        var sSequence = Repeat(ds, s.Length);

        for (var i = 0; i < Rounds; i++)
        {
            var round = new List<byte>(64 * 4);
            round.AddRange((i & 1) != 0 ? pSequence : c);
            if (i % 3 != 0) round.AddRange(sSequence);
            if (i % 7 != 0) round.AddRange(pSequence);
            round.AddRange((i & 1) != 0 ? c : pSequence);
            c = SHA512.HashData(round.ToArray());
        }
        return $"$6${salt}${Encode(c)}";
    }

    private static byte[] Repeat(byte[] block, int length) =>
        Enumerable.Range(0, length).Select(i => block[i % block.Length]).ToArray();

    /// <summary>The scheme's own base-64: bytes taken in a fixed shuffled order, three at a time, low bits first.</summary>
    private static string Encode(byte[] c)
    {
        int[][] order =
        [
            [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7],
            [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35],
            [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
        ];
        var text = new StringBuilder(86);
        foreach (var t in order) Append(text, (c[t[0]] << 16) | (c[t[1]] << 8) | c[t[2]], 4);
        Append(text, c[63], 2);
        return text.ToString();
    }

    private static void Append(StringBuilder text, int bits, int characters)
    {
        for (var i = 0; i < characters; i++, bits >>= 6) text.Append(Alphabet[bits & 0x3f]);
    }
}
