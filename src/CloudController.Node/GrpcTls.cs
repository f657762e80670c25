using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace CloudController.Node;

/// <summary>
/// The gRPC endpoint's TLS: a certificate and its private key as PEM files, from
/// <c>cloudcontroller.grpc.tls</c>. An https:// endpoint needs them; an http:// one (plain HTTP/2) must not have them.
/// </summary>
public static class GrpcTls
{
    /// <summary>The certificate to serve with, or null for plain HTTP/2; a clear error when the two halves disagree.</summary>
    public static X509Certificate2? Load(Config config, Uri endpoint)
    {
        var certificate = config.GetString("cloudcontroller.grpc.tls.certificate", "");
        var key = config.GetString("cloudcontroller.grpc.tls.key", "");
        var https = endpoint.Scheme == Uri.UriSchemeHttps;
        if (certificate.Length == 0 && key.Length == 0)
        {
            return https
                ? throw new ConfigurationException($"The gRPC endpoint {endpoint} is https but no certificate is set: set cloudcontroller.grpc.tls.certificate and .key (PEM files), or CLOUDCONTROLLER_TLS_CERT and CLOUDCONTROLLER_TLS_KEY.")
                : null;
        }
        if (certificate.Length == 0 || key.Length == 0)
            throw new ConfigurationException("cloudcontroller.grpc.tls needs both certificate and key (PEM files), or neither.");
        if (!https)
            throw new ConfigurationException($"A TLS certificate is set but the gRPC endpoint {endpoint} is http: make it https://.");
        try
        {
            return X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigurationException($"cloudcontroller.grpc.tls: cannot load {certificate} with {key}: {e.Message}");
        }
    }
}
