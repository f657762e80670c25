using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;

namespace CloudController.HostAgent.Tests;

/// <summary>Mutual TLS between nodes and agents: each side serves or trusts only what the controller's host CA certified.</summary>
public sealed class AgentTrustTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _agents.DisposeAsync();

    private static async Task<RpcException?> HelloAsync(Uri endpoint, System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate)
    {
        using var channel = RunningAgents.Channel(endpoint, clientCertificate);
        try
        {
            await new CloudController.Hypervisor.Agents.V1.HostAgent.HostAgentClient(channel)
                .HelloAsync(new HelloRequest { ProtocolVersion = AgentProtocol.Version }, deadline: DateTime.UtcNow.AddSeconds(20));
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    [Fact]
    public async Task The_agent_serves_a_controller_node_of_its_CA_and_refuses_an_unjoined_caller_another_CAs_and_another_agents_certificate()
    {
        var (endpoint, _) = await _agents.StartAsync("hv-a", 1);
        using var otherCa = HostAuthority.Create("another controller's host CA");

        Assert.Null(await HelloAsync(endpoint, _agents.ControllerCertificate));
        Assert.NotNull(await HelloAsync(endpoint, null));
        Assert.NotNull(await HelloAsync(endpoint, RunningAgents.Certify(otherCa, "controller node", HostCertificateRole.Controller)));
        // A host agent's certificate (server only) does not make its holder a controller node.
        Assert.NotNull(await HelloAsync(endpoint, RunningAgents.Certify(_agents.Authority, "hv-b", HostCertificateRole.Agent)));
    }

    [Fact]
    public async Task A_node_refuses_an_agent_certified_by_another_CA_and_a_revoked_one_naming_the_problem_and_the_fix()
    {
        using var otherCa = HostAuthority.Create("another controller's host CA");
        var (a, serverA) = await _agents.StartAsync("hv-a", 1);
        var (x, _) = await _agents.StartAsync("hv-x", 1, authority: otherCa);
        var ct = CancellationToken.None;

        async Task<string> RefusalAsync(string name, Uri endpoint, params string[] revoked)
        {
            using var directory = new AgentDirectory();
            directory.Update([(name, endpoint)], revoked.ToHashSet(), _agents.ControllerCertificate, _agents.Authority.Certificate);
            using var driver = new AgentDriver(directory);
            return (await Assert.ThrowsAsync<HypervisorException>(() => driver.DiscoverHostsAsync(ct))).Message;
        }

        var foreign = await RefusalAsync("hv-x", x);
        Assert.Contains($"the host agent hv-x at {x} is not trusted", foreign);
        Assert.Contains("is not one this controller's host CA issued for a host agent", foreign);
        Assert.Contains("join the host with a token from `ccm host join-token`", foreign);

        var serial = HostTrust.SerialOf(serverA.Identity.Certificate);
        Assert.Contains($"serial {serial}) was revoked when its host was removed", await RefusalAsync("hv-a", a, serial));
        // An agent at the address of another: its certificate is not for the name that joined there.
        Assert.Contains("is for 'hv-a', not 'hv-b'", await RefusalAsync("hv-b", a));

        using var trusted = new AgentDriver(_agents.Directory());
        Assert.Contains("hv-a-01", (await trusted.DiscoverHostsAsync(ct)).Select(h => h.HostId));
    }
}
