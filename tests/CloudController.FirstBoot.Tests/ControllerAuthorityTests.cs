using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509.Extension;

namespace CloudController.FirstBoot.Tests;

public class ControllerAuthorityTests(GeneratedSets sets) : IClassFixture<GeneratedSets>
{
    [Fact]
    public void The_authority_survives_pem_export_and_import()
    {
        var pem = sets.Controller.ExportPem();
        Assert.Contains("-----BEGIN PRIVATE KEY-----", pem);
        Assert.Contains("-----BEGIN CERTIFICATE-----", pem);

        var imported = ControllerAuthority.ImportPem(pem);
        Assert.Equal(sets.Controller.PublicKey, imported.PublicKey);
        Assert.Equal(sets.Controller.Certificate, imported.Certificate);
        var data = "bundle"u8.ToArray();
        Assert.True(ControllerAuthority.Verify(sets.Controller.PublicKey, data, imported.Sign(data)));
    }

    [Fact]
    public void The_authority_survives_der_export_and_import()
    {
        var (key, certificate) = sets.Controller.Export();
        Assert.Equal(sets.Controller.PublicKey, ControllerAuthority.Import(key, certificate).PublicKey);
    }

    [Fact]
    public void A_key_with_the_certificate_of_another_key_is_refused()
    {
        var (key, _) = sets.Controller.Export();
        Assert.Throws<ArgumentException>(() => ControllerAuthority.Import(key, sets.Impostor.Export().Certificate));
        var mixed = sets.Controller.ExportPem().Split("-----BEGIN CERTIFICATE-----")[0] + sets.Impostor.CertificatePem;
        Assert.Throws<ArgumentException>(() => ControllerAuthority.ImportPem(mixed));
        Assert.Throws<ArgumentException>(() => ControllerAuthority.ImportPem(sets.Controller.CertificatePem));
    }

    [Fact]
    public void The_ca_certificate_is_a_self_signed_ca()
    {
        var ca = sets.Controller.Certificate;
        Assert.Equal(ca.SubjectDN, ca.IssuerDN);
        Assert.True(ca.GetBasicConstraints() >= 0);
        ca.Verify(ca.GetPublicKey());
    }

    [Fact]
    public void A_vm_certificate_names_the_host_and_address_and_chains_to_the_ca()
    {
        var certificate = sets.Controller.IssueCertificate("web-01", "10.0.0.7", sets.First.TlsPublic, TimeSpan.FromDays(30));

        var names = GeneralNames.GetInstance(X509ExtensionUtilities.FromExtensionValue(certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName))).GetNames();
        Assert.Equal(2, names.Length);
        Assert.Equal(GeneralName.DnsName, names[0].TagNo);
        Assert.Equal("web-01", DerIA5String.GetInstance(names[0].Name).GetString());
        Assert.Equal(GeneralName.IPAddress, names[1].TagNo);
        Assert.Equal(new byte[] { 10, 0, 0, 7 }, Asn1OctetString.GetInstance(names[1].Name).GetOctets());

        Assert.Equal(-1, certificate.GetBasicConstraints());
        Assert.Contains(KeyPurposeID.id_kp_serverAuth.Id, certificate.GetExtendedKeyUsage().Select(p => p.Id));
        Assert.Equal(sets.Controller.Certificate.SubjectDN, certificate.IssuerDN);
        Assert.Equal(
            X509ExtensionUtilities.GetSubjectKeyIdentifier(sets.Controller.Certificate).GetKeyIdentifier(),
            X509ExtensionUtilities.GetAuthorityKeyIdentifier(certificate).KeyIdentifier.GetOctets());
        Assert.InRange(certificate.NotAfter - certificate.NotBefore, TimeSpan.FromDays(30), TimeSpan.FromDays(30.01));
        certificate.Verify(sets.Controller.Certificate.GetPublicKey());
    }

    [Theory]
    [InlineData("", "10.0.0.7")]
    [InlineData("web_01", "10.0.0.7")]
    [InlineData("-web", "10.0.0.7")]
    [InlineData("web-01", "10")]
    [InlineData("web-01", "300.0.0.1")]
    [InlineData("web-01", "web-01")]
    public void Names_and_addresses_a_certificate_cannot_hold_are_refused(string hostname, string ip) =>
        Assert.Throws<ArgumentException>(() => sets.Controller.IssueCertificate(hostname, ip, sets.First.TlsPublic, TimeSpan.FromDays(1)));

    [Fact]
    public void A_signature_check_with_a_key_of_the_wrong_size_is_false_not_an_exception() =>
        Assert.False(ControllerAuthority.Verify(new byte[31], [1], new byte[64]));
}
