using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudController.FirstBoot.Tests;

public class FirstBootSetGeneratorTests(GeneratedSets sets) : IClassFixture<GeneratedSets>
{
    [Fact]
    public void A_set_holds_a_matching_rsa_2048_pair_a_p256_tls_pair_a_guid_and_a_32_byte_ltpa_key()
    {
        var set = sets.First;
        var hostPrivate = (RsaPrivateCrtKeyParameters)PrivateKeyFactory.CreateKey(set.HostRsaPrivate);
        var hostPublic = (RsaKeyParameters)PublicKeyFactory.CreateKey(set.HostRsaPublic);
        Assert.Equal(2048, hostPublic.Modulus.BitLength);
        Assert.Equal(hostPublic.Modulus, hostPrivate.Modulus);

        var tlsPrivate = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(set.TlsPrivate);
        var tlsPublic = (ECPublicKeyParameters)PublicKeyFactory.CreateKey(set.TlsPublic);
        Assert.Equal(SecObjectIdentifiers.SecP256r1, tlsPublic.PublicKeyParamSet);
        Assert.Equal(tlsPublic.Q.Normalize(), tlsPrivate.Parameters.G.Multiply(tlsPrivate.D).Normalize());

        Assert.Equal(32, set.LtpaKey.Length);
        Assert.NotEqual(Guid.Empty, set.MachineGuid);
        Assert.NotEqual(set.SetId, set.MachineGuid);
        Assert.NotEqual(sets.First.HostRsaPrivate, sets.Second.HostRsaPrivate);
        Assert.NotEqual(sets.First.LtpaKey, sets.Second.LtpaKey);
        Assert.NotEqual(sets.First.MachineGuid, sets.Second.MachineGuid);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(4096)]
    [InlineData(0)]
    public void Other_rsa_sizes_are_refused_with_a_message_naming_the_setting(int bits)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FirstBootSetGenerator(new FirstBootSetOptions(RsaKeyBits: bits)));
        Assert.Contains($"RsaKeyBits (key-pool rsa-bits) is {bits}; use 2048 or 3072", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FirstBootSetGenerator(bits));
    }

    [Fact]
    public void Both_allowed_sizes_are_taken()
    {
        Assert.Equal(2048, new FirstBootSetGenerator(new FirstBootSetOptions()).RsaKeyBits);
        Assert.Equal(3072, new FirstBootSetGenerator(3072).RsaKeyBits);
    }
}
