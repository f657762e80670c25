using CsCheck;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace CloudController.FirstBoot.Tests;

public class ActivationBundleTests(GeneratedSets sets) : IClassFixture<GeneratedSets>
{
    private const string Hostname = "web-01";
    private const string Ip = "10.0.0.7";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private (ActivationBundle Bundle, X25519PrivateKeyParameters Agent) Sealed(
        string hostname = Hostname, string ip = Ip, ControllerAuthority? authority = null, FirstBootSet? set = null)
    {
        var agent = GeneratedSets.AgentKey();
        var request = new ActivationRequest("token", hostname, ip, agent.GeneratePublicKey().GetEncoded());
        return (BundleSealer.Seal(set ?? sets.First, request, authority ?? sets.Controller), agent);
    }

    private Verification Open(byte[] bundle, X25519PrivateKeyParameters agent, byte[]? trusted = null, string hostname = Hostname, string ip = Ip, DateTimeOffset? now = null) =>
        BundleVerifier.Open(bundle, trusted ?? sets.Controller.PublicKey, agent, hostname, ip, now ?? Now);

    /// <summary>A bundle changed after sealing and signed again by the real controller: only the later checks can catch it.</summary>
    private ActivationBundle Resigned(ActivationBundle changed) => changed with { Signature = sets.Controller.Sign(changed.Content()) };

    [Theory]
    [InlineData("web-01", "10.0.0.7")]
    [InlineData("Web-01.example.com", "fd00::7")]
    [InlineData("web-01", "")]
    public void The_agent_opens_what_was_generated_completed_with_a_certificate_for_its_name_and_address(string hostname, string ip)
    {
        var (bundle, agent) = Sealed(hostname, ip);
        var opened = Open(bundle.ToBytes(), agent, hostname: hostname, ip: ip);

        Assert.Null(opened.Failure);
        Assert.Equal(RefusalReason.None, opened.Reason);
        var material = opened.Material!;
        Assert.Equal(sets.First.MachineGuid, material.MachineGuid);
        Assert.Equal(sets.First.HostRsaPrivate, material.HostRsaPrivate);
        Assert.Equal(sets.First.HostRsaPublic, material.HostRsaPublic);
        Assert.Equal(sets.First.TlsPrivate, material.TlsPrivate);
        Assert.Equal(sets.First.LtpaKey, material.LtpaKey);
        var certificate = new X509CertificateParser().ReadCertificate(material.TlsCertificate);
        Assert.Equal($"CN={hostname}", certificate.SubjectDN.ToString());
        Assert.Equal(sets.Controller.Certificate.SubjectDN, certificate.IssuerDN);
        Assert.Equal(sets.First.TlsPublic, certificate.CertificateStructure.SubjectPublicKeyInfo.GetEncoded());
        certificate.Verify(sets.Controller.Certificate.GetPublicKey());
    }

    [Fact]
    public void The_wire_form_reads_back_as_the_same_bundle_and_encodes_to_the_same_bytes()
    {
        var bytes = Sealed().Bundle.ToBytes();
        var read = ActivationBundle.FromBytes(bytes);
        Assert.Equal(bytes, read.ToBytes());
        Assert.Equal(sets.First.SetId, read.SetId);
    }

    [Fact]
    public void Changing_any_byte_of_a_bundle_makes_the_agent_refuse_it()
    {
        var (bundle, agent) = Sealed();
        var bytes = bundle.ToBytes();
        // Every position, so that no field (length prefixes included) escapes the signature.
        for (var i = 0; i < bytes.Length; i++)
        {
            var tampered = bytes.ToArray();
            tampered[i] ^= 0x01;
            Assert.False(Open(tampered, agent).Verified, $"a change at byte {i} of {bytes.Length} went unnoticed");
        }
        // And any change of any size anywhere, including a cut or an addition.
        Gen.Select(Gen.Int[0, bytes.Length - 1], Gen.Byte[1, 255]).Sample((at, mask) =>
        {
            var tampered = bytes.ToArray();
            tampered[at] ^= mask;
            return !Open(tampered, agent).Verified && !Open(bytes[..at], agent).Verified && !Open([.. bytes, mask], agent).Verified;
        }, iter: 500);
    }

    [Fact]
    public void A_bundle_signed_by_another_controller_is_refused()
    {
        var (forged, agent) = Sealed(authority: sets.Impostor);
        var opened = Open(forged.ToBytes(), agent);
        Assert.Equal(RefusalReason.BadSignature, opened.Reason);
        Assert.Contains("signature does not verify", opened.Failure);

        // The genuine bundle against a VM that was told to trust another controller.
        var (bundle, genuineAgent) = Sealed();
        Assert.Equal(RefusalReason.BadSignature, Open(bundle.ToBytes(), genuineAgent, trusted: sets.Impostor.PublicKey).Reason);
        Assert.Equal(RefusalReason.BadSignature, Open(bundle.ToBytes(), genuineAgent, trusted: new byte[31]).Reason);
    }

    [Fact]
    public void A_bundle_for_another_vm_is_refused()
    {
        var (bundle, agent) = Sealed();
        Assert.Equal(RefusalReason.WrongVm, Open(bundle.ToBytes(), agent, hostname: "web-02").Reason);
        Assert.Equal(RefusalReason.WrongVm, Open(bundle.ToBytes(), agent, ip: "10.0.0.8").Reason);
    }

    [Theory]
    [InlineData("web-02", Ip)]
    [InlineData(Hostname, "10.0.0.8")]
    [InlineData(Hostname, "")]
    public void A_certificate_for_another_name_or_address_is_refused_even_when_the_controller_signed_the_bundle(string certifiedHost, string certifiedIp)
    {
        var (bundle, agent) = Sealed();
        var other = sets.Controller.IssueCertificate(certifiedHost, certifiedIp, sets.First.TlsPublic, TimeSpan.FromDays(1)).GetEncoded();
        var opened = Open(Resigned(bundle with { TlsCertificate = other }).ToBytes(), agent);
        Assert.Equal(RefusalReason.NameMismatch, opened.Reason);
        Assert.Null(opened.Material);
    }

    [Fact]
    public void A_certificate_from_another_authority_is_refused()
    {
        var (bundle, agent) = Sealed();
        var foreign = sets.Impostor.IssueCertificate(Hostname, Ip, sets.First.TlsPublic, TimeSpan.FromDays(1)).GetEncoded();
        var opened = Open(Resigned(bundle with { TlsCertificate = foreign }).ToBytes(), agent);
        Assert.Equal(RefusalReason.WrongIssuer, opened.Reason);
        Assert.Contains("not issued by the controller", opened.Failure);
    }

    [Fact]
    public void A_certificate_outside_its_validity_is_refused()
    {
        var (bundle, agent) = Sealed();
        var expired = Open(bundle.ToBytes(), agent, now: Now + BundleSealer.CertificateValidity + TimeSpan.FromDays(1));
        Assert.Equal(RefusalReason.NotValidNow, expired.Reason);
        Assert.Contains("expired", expired.Failure);
        Assert.Equal(RefusalReason.NotValidNow, Open(bundle.ToBytes(), agent, now: Now.AddDays(-1)).Reason);
    }

    [Fact]
    public void A_certificate_for_another_key_is_refused()
    {
        var (bundle, agent) = Sealed();
        var otherKey = sets.Controller.IssueCertificate(Hostname, Ip, sets.Second.TlsPublic, TimeSpan.FromDays(1)).GetEncoded();
        Assert.Equal(RefusalReason.KeyMismatch, Open(Resigned(bundle with { TlsCertificate = otherKey }).ToBytes(), agent).Reason);
    }

    [Fact]
    public void Only_the_agent_whose_key_it_was_sealed_to_opens_the_private_material()
    {
        var (bundle, _) = Sealed();
        var opened = Open(bundle.ToBytes(), GeneratedSets.AgentKey());
        Assert.Equal(RefusalReason.DecryptionFailed, opened.Reason);
        Assert.Contains("does not open with this agent's key", opened.Failure);

        // Sealed material moved into another bundle (another set id) does not open either.
        var (other, agent) = Sealed(set: sets.Second);
        var spliced = Resigned(other with { SetId = sets.First.SetId });
        Assert.Equal(RefusalReason.DecryptionFailed, Open(spliced.ToBytes(), agent).Reason);
    }

    [Fact]
    public void Sealing_refuses_an_unusable_agent_key_or_a_name_or_address_that_cannot_be_certified()
    {
        var agentKey = GeneratedSets.AgentKey().GeneratePublicKey().GetEncoded();
        Assert.Throws<ArgumentException>(() => BundleSealer.Seal(sets.First, new ActivationRequest("t", Hostname, Ip, new byte[31]), sets.Controller));
        // The all-zero point has low order: the shared secret would be zero whatever the controller's key.
        Assert.Throws<ArgumentException>(() => BundleSealer.Seal(sets.First, new ActivationRequest("t", Hostname, Ip, new byte[32]), sets.Controller));
        Assert.Throws<ArgumentException>(() => BundleSealer.Seal(sets.First, new ActivationRequest("t", "web 01", Ip, agentKey), sets.Controller));
        Assert.Throws<ArgumentException>(() => BundleSealer.Seal(sets.First, new ActivationRequest("t", "web-01,O=evil", Ip, agentKey), sets.Controller));
        Assert.Throws<ArgumentException>(() => BundleSealer.Seal(sets.First, new ActivationRequest("t", Hostname, "10", agentKey), sets.Controller));
    }
}
