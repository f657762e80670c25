using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CloudController.FirstBoot;

/// <summary>How first-boot sets are generated.</summary>
/// <param name="RsaKeyBits">The host RSA key size: 2048 or 3072.</param>
public sealed record FirstBootSetOptions(int RsaKeyBits = 2048);

/// <summary>
/// Generates first-boot sets. The host key is RSA (2048 or 3072 bits), the dearest part of a set: that is why sets are
/// made ahead of demand. It comes from .NET's RSA (OpenSSL underneath), which the RSA key-generation benchmark measured
/// several times faster than BouncyCastle's generator; both write the same PKCS#8 and SubjectPublicKeyInfo DER. The TLS key is EC P-256 rather than Ed25519: every TLS stack and browser accepts a
/// P-256 server key (Ed25519 server certificates are still refused by many clients), and it costs about a millisecond,
/// so it is generated with the set and completing a set at hand-out is only issuing its certificate. Thread-safe.
/// </summary>
public sealed class FirstBootSetGenerator
{
    public static readonly int[] RsaSizes = [2048, 3072];

    private readonly int _rsaBits;

    public FirstBootSetGenerator(FirstBootSetOptions options)
    {
        if (!RsaSizes.Contains(options.RsaKeyBits))
            throw new ArgumentOutOfRangeException(nameof(options), options.RsaKeyBits,
                $"{nameof(FirstBootSetOptions.RsaKeyBits)} (key-pool rsa-bits) is {options.RsaKeyBits}; use 2048 or 3072");
        _rsaBits = options.RsaKeyBits;
    }

    public FirstBootSetGenerator(int rsaBits) : this(new FirstBootSetOptions(rsaBits))
    {
    }

    public int RsaKeyBits => _rsaBits;

    public FirstBootSet Generate()
    {
        // One SecureRandom per set: it is thread-safe, but generators on every core would contend on its lock.
        var random = new SecureRandom();
        using var host = RSA.Create(_rsaBits);
        var ec = new ECKeyPairGenerator();
        ec.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        var tls = ec.GenerateKeyPair();
        // LTPA keys are shared secrets: a random AES-256 key.
        var ltpa = new byte[32];
        random.NextBytes(ltpa);
        return new FirstBootSet(
            Guid.NewGuid(), Guid.NewGuid(),
            host.ExportPkcs8PrivateKey(),
            host.ExportSubjectPublicKeyInfo(),
            PrivateKeyInfoFactory.CreatePrivateKeyInfo(tls.Private).GetEncoded(),
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(tls.Public).GetEncoded(),
            ltpa,
            // Whole milliseconds: what the sealed form keeps, so a set reads back equal to what was generated.
            DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }
}
