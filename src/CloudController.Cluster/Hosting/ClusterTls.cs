using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using CloudController.Hypervisor.Agents;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// TLS between the nodes of a cluster (<c>akka.remote.dot-netty.tcp.enable-ssl = on</c>): at start the node certifies a
/// fresh key (kept in memory only) with the host CA of its secrets directory, which every node of a cluster shares,
/// and takes a peer, whichever side dials, only if the peer's certificate chains to that same CA as a cluster node.
/// Akka's own check would trust the machine's root store, which this CA is not in (nor should be), and never this CA
/// alone; so the check is Akka's custom validator, pinned to the CA. A host agent's certificate, from the same CA but
/// for another role, is refused too.
/// </summary>
public static class ClusterTls
{
    public const string EnabledKey = "akka.remote.dot-netty.tcp.enable-ssl";

    public static bool IsEnabled(Config config) => config.GetBoolean(EnabledKey, false);

    /// <summary>The transport's TLS for a node named <paramref name="nodeName"/> (its remoting host name).</summary>
    public static DotNettySslSetup Setup(HostAuthority authority, string nodeName)
    {
        var (key, request) = HostAuthority.NewKeyAndRequest(nodeName);
        // Valid as long as the CA: it is made anew at each start and its key never leaves the process.
        using var issued = authority.Issue(request, nodeName, HostCertificateRole.ClusterNode,
            authority.Certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow);
        var trust = new HostTrust(authority.Certificate);
        return new DotNettySslSetup(
            issued.CopyWithPrivateKey(key),
            suppressValidation: false,
            requireMutualAuthentication: true,
            // Nodes dial each other by address or by a name the certificate need not carry: the CA vouches for them.
            validateCertificateHostname: false,
            (peer, _, remote, _, log) =>
            {
                if (trust.Problem(peer, HostCertificateRole.ClusterNode) is not { } problem) return true;
                log.Warning("Refused the TLS connection with {0}: {1}", remote, problem);
                return false;
            });
    }
}
