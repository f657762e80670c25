using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// Whom the host CA vouches for: a peer's certificate must chain to the pinned CA (and to no other root), carry the
/// role's extended key usage, not be revoked, and, for an agent, be in the name it joined under.
/// </summary>
public sealed class HostTrust(X509Certificate2 authority, Func<string, bool>? isRevoked = null)
{
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    public X509Certificate2 Authority { get; } = authority;

    /// <summary>The extended key usages a certificate for <paramref name="role"/> carries, and a peer in that role must.</summary>
    public static OidCollection UsagesOf(HostCertificateRole role) => role switch
    {
        HostCertificateRole.Agent => [ServerAuth],
        HostCertificateRole.Controller => [ClientAuth],
        _ => [ServerAuth, ClientAuth],
    };

    /// <summary>The serial as revocation lists it: upper-case hex.</summary>
    public static string SerialOf(X509Certificate2 certificate) => certificate.SerialNumber.ToUpperInvariant();

    /// <summary>Null when the peer may be trusted as <paramref name="role"/>; else what is wrong with it, for the refusal.</summary>
    /// <param name="name">The agent's name the certificate must be in; null to take any.</param>
    public string? Problem(X509Certificate2? peer, HostCertificateRole role, string? name = null)
    {
        var who = role switch { HostCertificateRole.Agent => "host agent", HostCertificateRole.Controller => "caller", _ => "peer node" };
        var fix = role == HostCertificateRole.ClusterNode
            ? "every node of a cluster loads the same secrets directory (CLOUDCONTROLLER_SECRETS_DIR, with host-ca.crt and host-ca.key.sealed), and its node certificate comes from that CA"
            : "join the host with a token from `ccm host join-token`, or check that both sides pin the same controller's CA";
        if (peer is null) return $"the {who} sent no certificate: only holders of a certificate from this controller's host CA are served ({fix}).";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var usage in UsagesOf(role)) chain.ChainPolicy.ApplicationPolicy.Add(usage);
        var built = chain.Build(peer);
        var root = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        if (!built || root is null || !root.RawData.AsSpan().SequenceEqual(Authority.RawData))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return $"the {who}'s certificate ({peer.Subject}, issued by {peer.Issuer}) is not one this controller's host CA issued for a {role switch { HostCertificateRole.Agent => "host agent", HostCertificateRole.Controller => "controller node", _ => "cluster node" }}" +
                   $"{(status.Length > 0 ? $" ({status})" : "")}: {fix}.";
        }
        if (isRevoked?.Invoke(SerialOf(peer)) == true)
            return $"the {who}'s certificate ({peer.Subject}, serial {SerialOf(peer)}) was revoked when its host was removed: join it again with a new token from `ccm host join-token`.";
        if (name is not null && peer.GetNameInfo(X509NameType.SimpleName, false) != name)
            return $"the host agent's certificate is for '{peer.GetNameInfo(X509NameType.SimpleName, false)}', not '{name}', the host joined at this address: check the agent's --name and --listen.";
        return null;
    }
}
