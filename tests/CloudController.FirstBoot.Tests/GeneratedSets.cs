using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudController.FirstBoot.Tests;

/// <summary>RSA key generation takes a fraction of a second: the tests share two sets and two controllers.</summary>
public sealed class GeneratedSets
{
    public GeneratedSets()
    {
        // Generated on two threads at once, as the pool does: the generator must be safe for it.
        var generator = new FirstBootSetGenerator(new FirstBootSetOptions(RsaKeyBits: 2048));
        var sets = new FirstBootSet[2];
        Parallel.For(0, sets.Length, i => sets[i] = generator.Generate());
        (First, Second) = (sets[0], sets[1]);
    }

    public FirstBootSet First { get; }

    public FirstBootSet Second { get; }

    public ControllerAuthority Controller { get; } = ControllerAuthority.Create("test-controller");

    /// <summary>Another controller of the same name: only its key tells it apart.</summary>
    public ControllerAuthority Impostor { get; } = ControllerAuthority.Create("test-controller");

    public static X25519PrivateKeyParameters AgentKey()
    {
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        return (X25519PrivateKeyParameters)generator.GenerateKeyPair().Private;
    }
}
