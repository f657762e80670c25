using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CloudController.FirstBoot;

/// <summary>
/// Generates first-boot sets. The host key is RSA (2048 or 3072 bits), which costs 0.2-1 s of a core: that is why
/// sets are made ahead of demand. The TLS key is EC P-256, which every TLS stack takes and which costs about a
/// millisecond, so that completing a set at hand-out is only issuing its certificate. Thread-safe.
/// </summary>
public sealed class FirstBootSetGenerator
{
    public static readonly int[] RsaSizes = [2048, 3072];

    private readonly int _rsaBits;

    public FirstBootSetGenerator(int rsaBits)
    {
        if (!RsaSizes.Contains(rsaBits))
            throw new ArgumentOutOfRangeException(nameof(rsaBits), rsaBits, $"rsa-bits is {rsaBits}; use 2048 or 3072");
        _rsaBits = rsaBits;
    }

    public FirstBootSet Generate()
    {
        var random = new SecureRandom();
        var rsa = new RsaKeyPairGenerator();
        rsa.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, _rsaBits, 100));
        var host = rsa.GenerateKeyPair();
        var ec = new ECKeyPairGenerator();
        ec.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        var tls = ec.GenerateKeyPair();
        var ltpa = new byte[32];
        random.NextBytes(ltpa);
        return new FirstBootSet(
            Guid.NewGuid(), Guid.NewGuid(),
            PrivateKeyInfoFactory.CreatePrivateKeyInfo(host.Private).GetEncoded(),
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(host.Public).GetEncoded(),
            PrivateKeyInfoFactory.CreatePrivateKeyInfo(tls.Private).GetEncoded(),
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(tls.Public).GetEncoded(),
            ltpa,
            DateTimeOffset.UtcNow);
    }
}
