using BenchmarkDotNet.Attributes;
using CloudController.FirstBoot;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudController.Benchmarks;

/// <summary>
/// A hand-out from a warm pool (open the stored set, issue the VM's certificate, seal to the agent, sign) against
/// generating the same set on demand first; the sealing alone; and, separately, what the agent pays to verify and
/// open a bundle. The target is a warm hand-out of p99 2 ms or less.
/// </summary>
[MemoryDiagnoser]
public class FirstBootBenchmarks
{
    private readonly AtRestCipher _storage = new(new byte[32]);
    private readonly ControllerAuthority _authority = ControllerAuthority.Create("bench");
    private readonly FirstBootSetGenerator _generator = new(2048);
    private FirstBootSet _set = null!;
    private byte[] _sealed = [];
    private ActivationRequest _request = null!;
    private X25519PrivateKeyParameters _agent = null!;
    private byte[] _bundle = [];

    [GlobalSetup]
    public void Setup()
    {
        _set = _generator.Generate();
        _sealed = _storage.Seal(_set);
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        _agent = (X25519PrivateKeyParameters)generator.GenerateKeyPair().Private;
        _request = new ActivationRequest("token", "web-01", "10.0.0.7", _agent.GeneratePublicKey().GetEncoded());
        _bundle = BundleSealer.Seal(_set, _request, _authority).ToBytes();
    }

    [Benchmark(Baseline = true)]
    public byte[] HandOutFromWarmPool() => BundleSealer.Seal(_storage.Open(_set.SetId, _sealed), _request, _authority).ToBytes();

    [Benchmark]
    public ActivationBundle SealOnly() => BundleSealer.Seal(_set, _request, _authority);

    [Benchmark]
    public byte[] GenerateOnDemandThenHandOut() => BundleSealer.Seal(_generator.Generate(), _request, _authority).ToBytes();

    [Benchmark]
    public bool AgentVerifiesAndOpens() => BundleVerifier.Open(_bundle, _authority.PublicKey, _agent, "web-01", "10.0.0.7", DateTimeOffset.UtcNow).Verified;
}
