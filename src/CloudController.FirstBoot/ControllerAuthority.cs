using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CloudController.FirstBoot;

/// <summary>
/// The controller's identity towards its VMs: an Ed25519 key that signs hand-out bundles and, as a certificate
/// authority, the VMs' TLS certificates. Ed25519 because a hand-out must cost well under a millisecond (RSA-2048 signing
/// costs about 6 ms here, Ed25519 0.04 ms). Guests are given its public key in their offline provisioning data,
/// beforehand. Thread-safe.
/// </summary>
public sealed class ControllerAuthority
{
    private const string PrivateKeyLabel = "PRIVATE KEY";
    private const string CertificateLabel = "CERTIFICATE";
    private readonly Ed25519PrivateKeyParameters _key;
    private readonly AuthorityKeyIdentifier _keyIdentifier;

    private ControllerAuthority(Ed25519PrivateKeyParameters key, X509Certificate certificate)
    {
        if (!key.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual((certificate.GetPublicKey() as Ed25519PublicKeyParameters)?.GetEncoded()))
            throw new ArgumentException("the controller's CA certificate is not for its signing key");
        _key = key;
        Certificate = certificate;
        PublicKey = key.GeneratePublicKey().GetEncoded();
        _keyIdentifier = X509ExtensionUtilities.CreateAuthorityKeyIdentifier(
            X509ExtensionUtilities.GetSubjectKeyIdentifier(certificate)
            ?? X509ExtensionUtilities.CreateSubjectKeyIdentifier(certificate.GetPublicKey()));
    }

    /// <summary>The CA certificate VM certificates chain to.</summary>
    public X509Certificate Certificate { get; }

    /// <summary>The raw 32-byte Ed25519 public key guests trust.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The CA certificate in PEM, for whoever talks TLS to the VMs.</summary>
    public string CertificatePem => new(PemEncoding.Write(CertificateLabel, Certificate.GetEncoded()));

    public static ControllerAuthority Create(string name)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var subject = CommonName(name);
        var ca = new X509V3CertificateGenerator();
        ca.SetSerialNumber(RandomSerial());
        ca.SetIssuerDN(subject);
        ca.SetSubjectDN(subject);
        ca.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        ca.SetNotAfter(DateTime.UtcNow.AddYears(10));
        ca.SetPublicKey(pair.Public);
        ca.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        ca.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        ca.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(pair.Public));
        return new ControllerAuthority((Ed25519PrivateKeyParameters)pair.Private, ca.Generate(new Asn1SignatureFactory("Ed25519", pair.Private)));
    }

    /// <summary>The private key (raw 32 bytes) and the CA certificate (DER), to keep in the node's secret store.</summary>
    public (byte[] PrivateKey, byte[] Certificate) Export() => (_key.GetEncoded(), Certificate.GetEncoded());

    /// <exception cref="ArgumentException">The certificate is not for this key.</exception>
    public static ControllerAuthority Import(byte[] privateKey, byte[] certificate) =>
        new(new Ed25519PrivateKeyParameters(privateKey), new X509CertificateParser().ReadCertificate(certificate));

    /// <summary>The private key (PKCS#8) and the CA certificate as one PEM text, to keep in the node's secret store.</summary>
    public string ExportPem() =>
        new string(PemEncoding.Write(PrivateKeyLabel, PrivateKeyInfoFactory.CreatePrivateKeyInfo(_key).GetEncoded())) + "\n" + CertificatePem + "\n";

    /// <exception cref="ArgumentException">The text lacks the key or the certificate, or they do not belong together.</exception>
    public static ControllerAuthority ImportPem(string pem)
    {
        byte[]? key = null, certificate = null;
        var rest = pem.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            var der = Convert.FromBase64String(rest.Span[fields.Base64Data].ToString());
            if (label == PrivateKeyLabel) key = der;
            else if (label == CertificateLabel) certificate = der;
            rest = rest[fields.Location.End..];
        }
        if (key is null || certificate is null)
            throw new ArgumentException($"the controller authority PEM needs a {PrivateKeyLabel} and a {CertificateLabel} block", nameof(pem));
        if (PrivateKeyFactory.CreateKey(key) is not Ed25519PrivateKeyParameters ed25519)
            throw new ArgumentException("the controller's signing key is not an Ed25519 key", nameof(pem));
        return new ControllerAuthority(ed25519, new X509CertificateParser().ReadCertificate(certificate));
    }

    public byte[] Sign(byte[] data)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _key);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>
    /// A TLS server certificate for a VM: its host name (and address, unless empty) as subject alternative names.
    /// </summary>
    /// <param name="tlsPublicKey">The VM's TLS public key, DER SubjectPublicKeyInfo.</param>
    /// <exception cref="ArgumentException">The host name is not a DNS name, or the address not an IP address.</exception>
    public X509Certificate IssueCertificate(string hostname, string ip, byte[] tlsPublicKey, TimeSpan validity)
    {
        if (!HostIdentity.IsHostname(hostname)) throw new ArgumentException($"'{hostname}' is not a DNS host name", nameof(hostname));
        var address = ip.Length == 0 ? null : HostIdentity.AddressBytes(ip) ?? throw new ArgumentException($"'{ip}' is not an IP address", nameof(ip));
        if (validity <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(validity), validity, "a certificate's validity must be positive");

        var now = DateTime.UtcNow;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(RandomSerial());
        generator.SetIssuerDN(Certificate.SubjectDN);
        generator.SetSubjectDN(CommonName(hostname));
        // A little back-dated: a VM whose clock runs behind must not find its fresh certificate not yet valid.
        generator.SetNotBefore(now.AddMinutes(-5));
        generator.SetNotAfter(now + validity);
        generator.SetPublicKey(PublicKeyFactory.CreateKey(tlsPublicKey));
        var names = new List<GeneralName> { new(GeneralName.DnsName, hostname) };
        if (address is not null) names.Add(new GeneralName(GeneralName.IPAddress, new DerOctetString(address)));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names.ToArray()));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, _keyIdentifier);
        return generator.Generate(new Asn1SignatureFactory("Ed25519", _key));
    }

    /// <summary>Checks an Ed25519 signature; false, never an exception, for a key or signature of the wrong size.</summary>
    public static bool Verify(byte[] publicKey, byte[] data, byte[] signature)
    {
        if (publicKey.Length != Ed25519PublicKeyParameters.KeySize || signature.Length != Ed25519PrivateKeyParameters.SignatureSize) return false;
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.BlockUpdate(data, 0, data.Length);
        return verifier.VerifySignature(signature);
    }

    public override string ToString() => $"controller authority {Certificate.SubjectDN}";

    // Built from the OID, not parsed from "CN=...": a name holding ',' or '=' cannot add attributes.
    private static X509Name CommonName(string name) => new([X509Name.CN], [name]);

    // Positive, 127 bits: unpredictable and within the 20 octets RFC 5280 allows.
    private static BigInteger RandomSerial() => new BigInteger(1, RandomNumberGenerator.GetBytes(16)).ShiftRight(1).SetBit(0);
}
