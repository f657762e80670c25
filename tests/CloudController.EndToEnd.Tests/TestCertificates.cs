using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudController.EndToEnd.Tests;

/// <summary>A private CA made for one test, issuing server and client certificates, written as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _dir;
    private int _serial;

    public TestCertificates(string dir, string name = "Test CA")
    {
        _dir = dir;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        AuthorityFile = Path.Combine(dir, $"{Slug(name)}.crt");
        File.WriteAllText(AuthorityFile, Authority.ExportCertificatePem());
    }

    public X509Certificate2 Authority { get; }

    public string AuthorityFile { get; }

    /// <summary>A server certificate for 127.0.0.1 and localhost: its PEM certificate and key files.</summary>
    public (string Certificate, string Key) IssueServer(string name = "cloudcontroller")
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        var (certificate, key) = Issue(name, ServerAuthentication, names.Build());
        var (certificateFile, keyFile) = (Path.Combine(_dir, $"{Slug(name)}.crt"), Path.Combine(_dir, $"{Slug(name)}.key"));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    /// <summary>A client certificate with its private key, to present in a TLS handshake.</summary>
    public X509Certificate2 IssueClient(string name)
    {
        var (certificate, key) = Issue(name, ClientAuthentication, null);
        using (certificate)
        using (key)
        {
            // Exported and loaded again: a certificate joined to an ephemeral key cannot be presented by every TLS stack.
            return X509CertificateLoader.LoadPkcs12(certificate.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
        }
    }

    private (X509Certificate2 Certificate, ECDsa Key) Issue(string name, Oid usage, X509Extension? names)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        if (names is not null) request.CertificateExtensions.Add(names);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        var certificate = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [(byte)++_serial, 7]);
        return (certificate, key);
    }

    private static string Slug(string name) => new(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
    }
}
