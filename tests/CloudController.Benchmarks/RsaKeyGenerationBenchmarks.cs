using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CloudController.Benchmarks;

/// <summary>
/// A first-boot set's host key, generated and encoded as the set stores it, by BouncyCastle and by .NET's RSA (OpenSSL
/// underneath), side by side in one run: the key pool generates with the faster.
/// </summary>
public class RsaKeyGenerationBenchmarks
{
    [Params(2048)]
    public int Bits { get; set; }

    [Benchmark(Baseline = true)]
    public int BouncyCastle()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), new SecureRandom(), Bits, 100));
        var pair = generator.GenerateKeyPair();
        return PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded().Length
               + SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded().Length;
    }

    [Benchmark]
    public int DotNet()
    {
        using var rsa = RSA.Create(Bits);
        return rsa.ExportPkcs8PrivateKey().Length + rsa.ExportSubjectPublicKeyInfo().Length;
    }
}
