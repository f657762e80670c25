using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CloudController.Node;

/// <summary>
/// The listener Kubernetes Cluster Autoscaler calls (its external gRPC cloud provider), from
/// <c>cloudcontroller.autoscaler</c>: HTTPS only, with the node's certificate and key, and mutual TLS: a caller must
/// present a client certificate issued by <c>tls.client-ca</c>, or the handshake fails. Off while the endpoint is empty.
/// </summary>
public sealed record AutoscalerListener(Uri Endpoint, X509Certificate2 Certificate, X509Certificate2 ClientCa)
{
    private const string Section = "cloudcontroller.autoscaler";

    /// <summary>The listener, null when it is off, or a clear error naming the setting that is missing or wrong.</summary>
    public static AutoscalerListener? Load(Config config)
    {
        var endpoint = config.GetString($"{Section}.endpoint", "");
        if (endpoint.Length == 0) return null;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            throw new ConfigurationException($"{Section}.endpoint = '{endpoint}': the autoscaler speaks mutual TLS only: give an https:// URL, e.g. https://0.0.0.0:5443");
        string Setting(string key) => config.GetString($"{Section}.tls.{key}", "") is { Length: > 0 } value
            ? value
            : throw new ConfigurationException($"{Section}.tls.{key} is not set: the autoscaler listener needs tls.certificate and tls.key (PEM) and tls.client-ca (the CA of the autoscaler's client certificate)");
        var (certificate, key, clientCa) = (Setting("certificate"), Setting("key"), Setting("client-ca"));
        try
        {
            return new AutoscalerListener(uri, X509Certificate2.CreateFromPemFile(certificate, key), X509Certificate2.CreateFromPem(File.ReadAllText(clientCa)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigurationException($"{Section}.tls: cannot load {certificate} with {key} and client CA {clientCa}: {e.Message}");
        }
    }

    /// <summary>HTTP/2 over TLS that demands a client certificate and accepts only one that chains to the client CA.</summary>
    public void Configure(ListenOptions listen)
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => IssuedByClientCa(certificate),
        });
    }

    private bool IssuedByClientCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ClientCa);
        // A private CA publishes no revocation lists; a revoked autoscaler is cut off by replacing the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
