using CloudController.Api.V1;
using CloudController.FirstBoot;
using CloudController.HostAgent;
using CloudController.Hypervisor.Agents;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Host agents joining a node with tokens over its gRPC endpoint, each bad join refused with its reason, and a
/// removed agent revoked: the node stops driving it and refuses its certificate.
/// </summary>
public sealed class HostJoinEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-join-").FullName;

    private HostAgentOptions Options(RunningNode node, string name, string token)
    {
        var tokenFile = Path.Combine(_dir, $"{Guid.NewGuid():N}.token");
        File.WriteAllText(tokenFile, token);
        return HostAgentOptions.Parse([
            "--name", name, "--listen", $"https://127.0.0.1:{FreePort.Next()}", "--state-dir", Path.Combine(_dir, $"{name}-{Guid.NewGuid():N}"),
            "--controller", node.Node.Endpoint.ToString(), "--join-token", tokenFile,
            "--set", "cloudcontroller.driver.kind=simulated", "--set", "cloudcontroller.driver.simulated.hosts=1",
            "--set", $"cloudcontroller.driver.simulated.host-id-prefix={name}-"]);
    }

    private static async Task<string> RefusedAsync(HostAgentOptions options)
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => HostAgentServer.StartAsync(options));
        Assert.False(File.Exists(Path.Combine(options.StateDir, AgentIdentity.CertificateFile)));
        return refused.Message;
    }

    [Fact]
    public async Task Agents_join_once_per_token_bad_joins_are_refused_with_their_reason_and_a_removed_agent_is_refused_from_then_on()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.kind=agents", "cloudcontroller.fleet.agent-refresh-interval=200ms");
        Task<string> TokenAsync(string name = "", long seconds = 0) =>
            node.Hosts.CreateJoinTokenAsync(new CreateJoinTokenRequest { Name = name, ExpiresInSeconds = seconds }).ResponseAsync.ContinueWith(t => t.Result.Token);

        Assert.Contains("refused to join this host: token: is not a join token of this controller", await RefusedAsync(Options(node, "hv-a", "ccj_mistyped")));
        var shortLived = await TokenAsync("hv-a", 1);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Contains("token: expired at", await RefusedAsync(Options(node, "hv-a", shortLived)));
        Assert.Contains("name: the token was made for host 'hv-a', not 'hv-c'", await RefusedAsync(Options(node, "hv-c", await TokenAsync("hv-a"))));

        var tokenA = await TokenAsync("hv-a");
        var optionsA = Options(node, "hv-a", tokenA);
        var agentA = await HostAgentServer.StartAsync(optionsA);
        if (!OperatingSystem.IsWindows()) Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(Path.Combine(optionsA.StateDir, AgentIdentity.KeyFile)));
        Assert.Equal(["hv-a-01"], (await node.WaitForHostsAsync(1)).Select(h => h.Id));

        Assert.Contains("token: was used by host 'hv-a'", await RefusedAsync(Options(node, "hv-b", tokenA)));
        var anyName = await TokenAsync();
        var taken = await RefusedAsync(Options(node, "hv-a", anyName));
        Assert.Contains("name: a host named 'hv-a' has joined already", taken);
        Assert.Contains("ccm host remove hv-a", taken);
        // The refused join spent nothing: the same token joins another name.
        await using var agentB = await HostAgentServer.StartAsync(Options(node, "hv-b", anyName));
        Assert.Equal(["hv-a", "hv-b"], (await node.Hosts.ListAgentsAsync(new ListAgentsRequest())).Agents.Select(a => a.Name));
        await node.WaitForHostsAsync(2);

        var removed = await node.Hosts.RemoveAgentAsync(new RemoveAgentRequest { Name = "hv-a" });
        Assert.Equal(HostTrust.SerialOf(agentA.Identity.Certificate), removed.CertificateSerial);
        Assert.Equal(["hv-b"], (await node.Hosts.ListAgentsAsync(new ListAgentsRequest())).Agents.Select(a => a.Name));
        // The removed agent still runs and answers at its address, but the node no longer drives it: its host goes
        // offline, the other's stays active.
        await Eventually.True(async () =>
        {
            var hosts = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.ToDictionary(h => h.Id, h => h.State);
            return hosts["hv-a-01"] == "Offline" && hosts["hv-b-01"] == "Active";
        }, "the removed agent's host offline, the other's active");
        var driver = (AgentDriver)node.Node.Driver;
        Assert.Equal(["hv-b"], driver.Agents.Links.Select(l => l.Name));
        Assert.Equal(["hv-b-01"], (await driver.DiscoverHostsAsync(CancellationToken.None)).Select(h => h.HostId));
        await agentA.DisposeAsync();

        var again = await Assert.ThrowsAsync<RpcException>(() => node.Hosts.RemoveAgentAsync(new RemoveAgentRequest { Name = "hv-a" }).ResponseAsync);
        Assert.Contains("no host named 'hv-a' has joined", again.Status.Detail);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
