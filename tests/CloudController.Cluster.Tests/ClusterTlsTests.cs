using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using CloudController.Cluster.Hosting;
using CloudController.Hypervisor.Agents;

namespace CloudController.Cluster.Tests;

/// <summary>
/// Two nodes holding the same host CA form a cluster over TLS; a node whose certificate comes from another CA is
/// refused, whichever way the connection goes. Plain clusters of actor systems on loopback, no persistence.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private static readonly Config Remoting = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = on }
        akka.cluster.min-nr-of-members = 1
        """);

    private readonly List<ActorSystem> _systems = [];
    private readonly HostAuthority _authority = HostAuthority.Create();
    private readonly HostAuthority _otherAuthority = HostAuthority.Create();

    [Fact]
    public async Task Nodes_certified_by_the_same_host_CA_form_a_cluster_and_a_node_of_another_CA_cannot_join()
    {
        var first = Start(_authority);
        var firstCluster = Akka.Cluster.Cluster.Get(first);
        Assert.Equal("akka.ssl.tcp", firstCluster.SelfAddress.Protocol);
        firstCluster.Join(firstCluster.SelfAddress);
        var second = Start(_authority);
        Akka.Cluster.Cluster.Get(second).Join(firstCluster.SelfAddress);
        await UntilAsync(() => UpCount(first) == 2 && UpCount(second) == 2, "the second node, with the same CA, joins");

        var stranger = Start(_otherAuthority);
        var strangerCluster = Akka.Cluster.Cluster.Get(stranger);
        strangerCluster.Join(firstCluster.SelfAddress);
        // The stranger keeps retrying its join meanwhile (every few seconds); each attempt is refused at the handshake.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(2, UpCount(first));
        Assert.DoesNotContain(firstCluster.State.Members, m => m.Address.Equals(strangerCluster.SelfAddress));
        Assert.NotEqual(MemberStatus.Up, strangerCluster.SelfMember.Status);
    }

    [Fact]
    public void A_host_agent_certificate_of_the_same_CA_is_not_a_cluster_node()
    {
        var (key, request) = HostAuthority.NewKeyAndRequest("host-1");
        using var _ = key;
        using var agent = _authority.Issue(request, "host-1", HostCertificateRole.Agent, TimeSpan.FromDays(1));
        var (nodeKey, nodeRequest) = HostAuthority.NewKeyAndRequest("127.0.0.1");
        using var __ = nodeKey;
        using var node = _authority.Issue(nodeRequest, "127.0.0.1", HostCertificateRole.ClusterNode, TimeSpan.FromDays(1));
        var trust = new HostTrust(_authority.Certificate);

        Assert.Null(trust.Problem(node, HostCertificateRole.ClusterNode));
        Assert.Contains("not one this controller's host CA issued for a cluster node", trust.Problem(agent, HostCertificateRole.ClusterNode));
        Assert.Contains("CLOUDCONTROLLER_SECRETS_DIR", new HostTrust(_otherAuthority.Certificate).Problem(node, HostCertificateRole.ClusterNode));
    }

    private ActorSystem Start(HostAuthority authority)
    {
        var system = ActorSystem.Create("cloudcontroller",
            ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(Remoting), ClusterTls.Setup(authority, "127.0.0.1")));
        _systems.Add(system);
        return system;
    }

    private static int UpCount(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within 30 s");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        foreach (var system in _systems) system.Terminate().Wait(TimeSpan.FromSeconds(10));
        _authority.Dispose();
        _otherAuthority.Dispose();
    }
}
