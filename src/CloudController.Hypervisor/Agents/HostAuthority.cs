using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// The host CA the controller keeps: it certifies each host agent that joins (a server certificate in the agent's
/// name) and each controller node that calls agents (a client certificate). ECDSA P-256, as .NET's TLS takes it; the
/// controller's Ed25519 authority cannot serve here.
/// </summary>
public sealed class HostAuthority : IDisposable
{
    public const string CurveOid = "1.2.840.10045.3.1.7";
    private readonly ECDsa _key;

    private HostAuthority(ECDsa key, X509Certificate2 certificate)
    {
        _key = key;
        Certificate = certificate;
    }

    /// <summary>The CA's certificate (no private key): what agents and nodes pin.</summary>
    public X509Certificate2 Certificate { get; }

    public static HostAuthority Create(string name = "CloudController host CA")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));
        return new HostAuthority(key, X509CertificateLoader.LoadCertificate(selfSigned.RawData));
    }

    /// <summary>The private key (PKCS#8) and the certificate (DER): the caller seals the key before storing it.</summary>
    public (byte[] PrivateKey, byte[] Certificate) Export() => (_key.ExportPkcs8PrivateKey(), Certificate.RawData);

    public static HostAuthority Import(ReadOnlySpan<byte> privateKey, byte[] certificate)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(privateKey, out _);
        return new HostAuthority(key, X509CertificateLoader.LoadCertificate(certificate));
    }

    /// <summary>
    /// Certifies the key of a certificate request (DER, its signature checked) for <paramref name="name"/>: an agent
    /// gets a server certificate for its name, a controller node a client certificate. A request that is not one, or
    /// whose key is not ECDSA P-256, is an <see cref="ArgumentException"/> naming the field.
    /// </summary>
    public X509Certificate2 Issue(byte[] certificateRequest, string name, HostCertificateRole role, TimeSpan validity)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequest(certificateRequest, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"certificate_request: not a signed PKCS#10 request ({e.Message}); cc-hostd makes one from its key.", e);
        }
        using (var key = request.PublicKey.GetECDsaPublicKey())
        {
            if (key?.ExportParameters(false).Curve.Oid.Value != CurveOid)
                throw new ArgumentException("certificate_request: its key is not ECDSA P-256; make the agent's key with curve P-256 (cc-hostd does).");
        }
        var issued = new CertificateRequest(new X500DistinguishedName($"CN={name}"), request.PublicKey, HashAlgorithmName.SHA256);
        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        issued.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(HostTrust.UsagesOf(role), true));
        issued.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (role == HostCertificateRole.Agent)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            issued.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive integer, as X.509 wants
        var now = DateTimeOffset.UtcNow;
        var generator = X509SignatureGenerator.CreateForECDsa(_key);
        return issued.Create(Certificate.SubjectName, generator, now.AddMinutes(-5), now + validity, serial);
    }

    /// <summary>A new ECDSA P-256 key and its certificate request: what an agent or a node sends to be certified.</summary>
    public static (ECDsa Key, byte[] Request) NewKeyAndRequest(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key, new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256).CreateSigningRequest());
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>What a certificate of the host CA lets its holder be.</summary>
public enum HostCertificateRole
{
    /// <summary>A host agent: serves the host agent protocol under its name.</summary>
    Agent,

    /// <summary>A controller node: calls agents.</summary>
    Controller,

    /// <summary>A node of the controller's cluster: both ends of Akka remoting's TLS, so it dials and is dialled.</summary>
    ClusterNode,
}
