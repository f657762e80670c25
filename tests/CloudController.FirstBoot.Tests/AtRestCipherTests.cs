using System.Security.Cryptography;

namespace CloudController.FirstBoot.Tests;

public class AtRestCipherTests(GeneratedSets sets) : IClassFixture<GeneratedSets>
{
    private readonly AtRestCipher _cipher = new(RandomNumberGenerator.GetBytes(AtRestCipher.KeySize));

    [Fact]
    public void A_sealed_set_opens_as_the_set_that_was_generated()
    {
        var opened = _cipher.Open(sets.First.SetId, _cipher.Seal(sets.First));

        Assert.Equal(sets.First.SetId, opened.SetId);
        Assert.Equal(sets.First.MachineGuid, opened.MachineGuid);
        Assert.Equal(sets.First.HostRsaPrivate, opened.HostRsaPrivate);
        Assert.Equal(sets.First.HostRsaPublic, opened.HostRsaPublic);
        Assert.Equal(sets.First.TlsPrivate, opened.TlsPrivate);
        Assert.Equal(sets.First.TlsPublic, opened.TlsPublic);
        Assert.Equal(sets.First.LtpaKey, opened.LtpaKey);
        Assert.Equal(sets.First.GeneratedAt, opened.GeneratedAt);
    }

    [Fact]
    public void Set_a_sealed_does_not_open_as_set_b()
    {
        var blob = _cipher.Seal(sets.First);
        Assert.ThrowsAny<CryptographicException>(() => _cipher.Open(sets.Second.SetId, blob));
    }

    [Fact]
    public void A_set_does_not_open_under_another_node_key()
    {
        var blob = _cipher.Seal(sets.First);
        Assert.ThrowsAny<CryptographicException>(() => new AtRestCipher(RandomNumberGenerator.GetBytes(32)).Open(sets.First.SetId, blob));
    }

    [Fact]
    public void Any_change_to_a_sealed_set_is_refused()
    {
        var blob = _cipher.Seal(sets.First);
        for (var i = 0; i < blob.Length; i++)
        {
            var tampered = blob.ToArray();
            tampered[i] ^= 0x80;
            Assert.ThrowsAny<CryptographicException>(() => _cipher.Open(sets.First.SetId, tampered));
        }
        Assert.ThrowsAny<CryptographicException>(() => _cipher.Open(sets.First.SetId, blob[..^1]));
        Assert.ThrowsAny<CryptographicException>(() => _cipher.Open(sets.First.SetId, blob[..20]));
    }

    [Fact]
    public void The_sealed_form_holds_no_private_key_in_clear_and_differs_each_time()
    {
        var blob = _cipher.Seal(sets.First);
        Assert.True(blob.AsSpan().IndexOf(sets.First.HostRsaPrivate.AsSpan(40, 32)) < 0);
        Assert.True(blob.AsSpan().IndexOf(sets.First.LtpaKey) < 0);
        Assert.NotEqual(blob, _cipher.Seal(sets.First));
    }

    [Fact]
    public void The_node_key_must_be_32_bytes()
    {
        var error = Assert.Throws<ArgumentException>(() => new AtRestCipher(new byte[16]));
        Assert.Contains("16 bytes; it must be 32", error.Message);
    }
}
