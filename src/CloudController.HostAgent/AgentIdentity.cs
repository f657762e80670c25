using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudController.FirstBoot;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudController.HostAgent;

/// <summary>
/// Who this agent is once it joined: its own ECDSA P-256 key (an owner-only file in the state directory, made here
/// and never sent), its certificate from the controller's host CA, and that CA, pinned to check callers.
/// </summary>
public sealed class AgentIdentity(X509Certificate2 certificate, X509Certificate2 authority)
{
    public const string KeyFile = "agent.key";
    public const string CertificateFile = "agent.crt";
    public const string AuthorityFile = "host-ca.crt";

    /// <summary>The agent's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2 Authority { get; } = authority;

    public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, false);

    /// <summary>The identity the state directory holds, or null when the agent has not joined yet.</summary>
    public static AgentIdentity? Load(string stateDir)
    {
        string Path(string file) => System.IO.Path.Combine(stateDir, file);
        if (!File.Exists(Path(CertificateFile)) || !File.Exists(Path(AuthorityFile)) || !File.Exists(Path(KeyFile))) return null;
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path(KeyFile)));
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path(CertificateFile)));
        return new AgentIdentity(certificate.CopyWithPrivateKey(key), X509Certificate2.CreateFromPem(File.ReadAllText(Path(AuthorityFile))));
    }

    /// <summary>
    /// Joins the controller with the token: the key is made (or the one a failed attempt left is taken), a request for
    /// it sent with the token, and the certificate and CA that come back kept. A refusal is an
    /// <see cref="ArgumentException"/> with the controller's reason and fix; nothing but the key is left after one.
    /// </summary>
    public static async Task<AgentIdentity> JoinAsync(HostAgentOptions options, CancellationToken ct)
    {
        if (!File.Exists(options.JoinTokenFile))
            throw new ArgumentException($"--join-token: no file '{options.JoinTokenFile}'; write the token `ccm host join-token` printed into it.");
        var keyFile = System.IO.Path.Combine(options.StateDir, KeyFile);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(keyFile)) key.ImportFromPem(File.ReadAllText(keyFile));
        else OwnerOnlyFile.Create(keyFile, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        var request = new CertificateRequest(new X500DistinguishedName($"CN={options.Name}"), key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var token = (await File.ReadAllTextAsync(options.JoinTokenFile!, ct)).Trim();

        using var channel = GrpcChannel.ForAddress(options.Controller!, new GrpcChannelOptions { HttpHandler = ControllerHandler(options.ControllerCaFile), DisposeHttpClient = true });
        JoinReply reply;
        try
        {
            reply = await new HostJoin.HostJoinClient(channel).JoinAsync(new JoinRequest
            {
                ProtocolVersion = AgentProtocol.Version, Token = token, Name = options.Name, Endpoint = options.Listen.ToString().TrimEnd('/'),
                CertificateRequest = Google.Protobuf.ByteString.CopyFrom(request),
            }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new ArgumentException($"--controller: the controller at {options.Controller} did not answer ({e.Status.Detail}); check the address and that a node runs there.", e);
        }
        catch (RpcException e)
        {
            throw new ArgumentException($"The controller at {options.Controller} refused to join this host: {e.Status.Detail}", e);
        }

        using var issued = X509CertificateLoader.LoadCertificate(reply.Certificate.ToByteArray());
        var authority = X509CertificateLoader.LoadCertificate(reply.Authority.ToByteArray());
        if (new HostTrust(authority).Problem(issued, HostCertificateRole.Agent, options.Name) is { } problem)
            throw new ArgumentException($"The controller at {options.Controller} answered with a certificate this agent cannot use: {problem}");
        File.WriteAllText(System.IO.Path.Combine(options.StateDir, AuthorityFile), authority.ExportCertificatePem());
        File.WriteAllText(System.IO.Path.Combine(options.StateDir, CertificateFile), issued.ExportCertificatePem());
        return new AgentIdentity(issued.CopyWithPrivateKey(key), authority);
    }

    /// <summary>Writes an identity as a join leaves it (the key owner-only): for an agent certified another way, as tests are.</summary>
    public static void Save(string stateDir, ECDsa key, X509Certificate2 certificate, X509Certificate2 authority)
    {
        Directory.CreateDirectory(stateDir);
        OwnerOnlyFile.Write(System.IO.Path.Combine(stateDir, KeyFile), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(System.IO.Path.Combine(stateDir, AuthorityFile), authority.ExportCertificatePem());
        File.WriteAllText(System.IO.Path.Combine(stateDir, CertificateFile), certificate.ExportCertificatePem());
    }

    private static SocketsHttpHandler ControllerHandler(string? caFile)
    {
        var handler = new SocketsHttpHandler();
        if (caFile is null) return handler;
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        };
        return handler;
    }
}
