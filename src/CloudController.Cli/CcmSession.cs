using CloudController.Api.V1;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace CloudController.Cli;

/// <summary>
/// One invocation's connection and output: the gRPC clients for the chosen endpoint, the console to render to,
/// and the output format. Tests pass their own console and call invoker.
/// </summary>
public sealed class CcmSession : IDisposable
{
    private readonly GrpcChannel? _channel;

    /// <param name="token">The caller's API token, sent with every call; null when the node runs without access control.</param>
    /// <param name="trustedCa">A private CA the node's TLS certificate must chain to, instead of the system's roots.</param>
    public CcmSession(Uri endpoint, OutputFormat format, IAnsiConsole console, TextWriter errors, CallInvoker? invoker = null, string? token = null,
        X509Certificate2? trustedCa = null, string? reason = null)
    {
        Endpoint = endpoint;
        Format = format;
        Console = console;
        Errors = errors;
        if (invoker is null)
        {
            _channel = trustedCa is null
                ? GrpcChannel.ForAddress(endpoint)
                : GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = TrustingOnly(trustedCa) });
            invoker = _channel.CreateCallInvoker();
        }
        if (token is not null) invoker = invoker.WithToken(token);
        if (reason is not null) invoker = invoker.WithReason(reason);
        Reason = reason;
        Catalog = new Catalog.CatalogClient(invoker);
        Hosts = new Hosts.HostsClient(invoker);
        Provisioning = new Provisioning.ProvisioningClient(invoker);
        Vms = new Vms.VmsClient(invoker);
        Advisor = new Advisor.AdvisorClient(invoker);
        Pools = new Pools.PoolsClient(invoker);
        KeyPool = new KeyPool.KeyPoolClient(invoker);
        Storage = new Storage.StorageClient(invoker);
        Access = new Access.AccessClient(invoker);
        Usage = new Usage.UsageClient(invoker);
        Admin = new Admin.AdminClient(invoker);
        Audit = new Audit.AuditClient(invoker);
        Quotas = new Quotas.QuotasClient(invoker);
    }

    public Uri Endpoint { get; }

    /// <summary>How long a wait (a task, a pool) may see nothing move before it gives up.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Why the caller changes state (--reason); sent with every call as x-reason, and in requests that have a field for it.</summary>
    public string? Reason { get; }

    public OutputFormat Format { get; }

    public IAnsiConsole Console { get; }

    public TextWriter Errors { get; }

    public Catalog.CatalogClient Catalog { get; }

    public Hosts.HostsClient Hosts { get; }

    public Provisioning.ProvisioningClient Provisioning { get; }

    public Vms.VmsClient Vms { get; }

    public Advisor.AdvisorClient Advisor { get; }

    public Pools.PoolsClient Pools { get; }

    public KeyPool.KeyPoolClient KeyPool { get; }

    public Storage.StorageClient Storage { get; }

    public Access.AccessClient Access { get; }

    public Usage.UsageClient Usage { get; }

    public Audit.AuditClient Audit { get; }

    public Quotas.QuotasClient Quotas { get; }

    public Admin.AdminClient Admin { get; }

    public bool Interactive => Format == OutputFormat.Table && Console.Profile.Capabilities.Interactive;

    public void Dispose() => _channel?.Dispose();

    private static SocketsHttpHandler TrustingOnly(X509Certificate2 ca) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            // The host name must still match; only the root of trust changes.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        },
    };
}
