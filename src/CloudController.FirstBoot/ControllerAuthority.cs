using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CloudController.FirstBoot;

/// <summary>
/// The controller's identity towards its VMs: an Ed25519 key that signs hand-out bundles and, as a certificate
/// authority, the VMs' TLS certificates. Ed25519 because a hand-out must cost well under a millisecond (RSA-2048 signing
/// costs about 6 ms here). Guests are given its public key in their offline provisioning data, beforehand.
/// </summary>
public sealed class ControllerAuthority
{
    private readonly Ed25519PrivateKeyParameters _key;

    private ControllerAuthority(Ed25519PrivateKeyParameters key, X509Certificate certificate)
    {
        _key = key;
        Certificate = certificate;
    }

    /// <summary>The CA certificate VM certificates chain to.</summary>
    public X509Certificate Certificate { get; }

    /// <summary>The raw 32-byte Ed25519 public key guests trust.</summary>
    public byte[] PublicKey => _key.GeneratePublicKey().GetEncoded();

    public static ControllerAuthority Create(string name)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var subject = new X509Name($"CN={name}");
        var ca = new X509V3CertificateGenerator();
        ca.SetSerialNumber(BigInteger.One);
        ca.SetIssuerDN(subject);
        ca.SetSubjectDN(subject);
        ca.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        ca.SetNotAfter(DateTime.UtcNow.AddYears(10));
        ca.SetPublicKey(pair.Public);
        ca.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        ca.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        return new ControllerAuthority((Ed25519PrivateKeyParameters)pair.Private, ca.Generate(new Asn1SignatureFactory("Ed25519", pair.Private)));
    }

    /// <summary>The private key (raw 32 bytes) and the CA certificate (DER), to keep in the node's secret store.</summary>
    public (byte[] PrivateKey, byte[] Certificate) Export() => (_key.GetEncoded(), Certificate.GetEncoded());

    public static ControllerAuthority Import(byte[] privateKey, byte[] certificate)
    {
        var key = new Ed25519PrivateKeyParameters(privateKey);
        var cert = new X509CertificateParser().ReadCertificate(certificate);
        if (!key.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(((Ed25519PublicKeyParameters)cert.GetPublicKey()).GetEncoded()))
            throw new ArgumentException("the controller's CA certificate is not for its signing key");
        return new ControllerAuthority(key, cert);
    }

    public byte[] Sign(byte[] data)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _key);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>A TLS server certificate for a VM: its host name and address as subject alternative names.</summary>
    public X509Certificate IssueCertificate(string hostname, string ip, byte[] subjectPublicKeyInfo, TimeSpan validity)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, Guid.NewGuid().ToByteArray()));
        generator.SetIssuerDN(Certificate.SubjectDN);
        generator.SetSubjectDN(new X509Name($"CN={hostname}"));
        generator.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        generator.SetNotAfter(DateTime.UtcNow + validity);
        generator.SetPublicKey(PublicKeyFactory.CreateKey(subjectPublicKeyInfo));
        var names = new List<GeneralName> { new(GeneralName.DnsName, hostname) };
        if (ip.Length > 0) names.Add(new GeneralName(GeneralName.IPAddress, ip));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names.ToArray()));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        return generator.Generate(new Asn1SignatureFactory("Ed25519", _key));
    }

    public static bool Verify(byte[] publicKey, byte[] data, byte[] signature)
    {
        if (publicKey.Length != Ed25519PublicKeyParameters.KeySize || signature.Length != Ed25519PrivateKeyParameters.SignatureSize) return false;
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.BlockUpdate(data, 0, data.Length);
        return verifier.VerifySignature(signature);
    }
}
