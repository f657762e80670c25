using System.Text.Json;
using CloudController.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;
using static CloudController.EndToEnd.Tests.ClusterOfProcesses;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// `ccm cluster` on three node processes on PostgreSQL, as an operator meets a dead node: three members Up, one killed
/// (SIGKILL: no leaving), shown unreachable, downed by hand, and its shards started again on the two others.
/// </summary>
[Collection(ClusterOfProcessesCollection.Name)]
public sealed class ClusterDownEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Each probe is a ccm run: a few a second.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly ClusterOfProcesses _cluster = new();

    [Fact]
    public Task An_operator_sees_a_killed_node_unreachable_downs_it_and_its_shards_move_to_the_others() =>
        _cluster.RunAsync(output, KillAndDownAsync);

    private async Task KillAndDownAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The split-brain resolver would down the dead node itself after 5 s: here the operator does.
        await _cluster.StartAsync(3, 1, ["cloudcontroller.driver.simulated.hosts=12"], ["akka.cluster.split-brain-resolver.stable-after=10m"]);
        var asker = _cluster.Nodes[0];
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the cluster is up");

        await Eventually.True(async () => (await ShowAsync(asker)).Count(m => m.Status == "Up" && m.Reachable) == 3, "three members Up", TimeSpan.FromSeconds(30), Poll);

        // The victim: the node holding the user registry, which every call's token check asks (and, with it, the
        // shard coordinator and the singletons when that is the oldest); the operator asks one of the others.
        var before = await Eventually.Get(async () =>
        {
            var hosts = await EntitiesPerNodeAsync(asker, "host");
            return hosts.Values.Sum() == 12 && hosts.Count == 3 ? hosts : null;
        }, "the 12 hosts' entities spread over the three nodes", TimeSpan.FromSeconds(60), Poll);
        var victimAddress = (await Eventually.Get(async () => (await EntitiesPerNodeAsync(asker, "access")).Keys.SingleOrDefault(),
            "the node holding the user registry", TimeSpan.FromSeconds(30), Poll))!;
        var victim = await VictimAsync(victimAddress);
        asker = _cluster.Nodes.First(n => n != victim);
        output.WriteLine($"hosts per node: {string.Join(", ", before.Select(h => $"{h.Key} {h.Value}"))}; killing {victim.Name} ({victimAddress}), asking {asker.Name}");

        _cluster.Kill(victim.Index);
        await Eventually.True(async () => (await ShowAsync(asker)).Any(m => m.Address == victimAddress && !m.Reachable),
            "the killed node unreachable in `ccm cluster show`", TimeSpan.FromSeconds(30), Poll);
        var shown = await Eventually.Get(async () => await Ccm(asker, "cluster", "show") is { Exit: 0 } run ? run.Out : null, "the table", TimeSpan.FromSeconds(30), Poll);
        Assert.Contains("UNREACHABLE", shown);
        Assert.Contains("3 members, 3 up, 1 unreachable", shown);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {victim.Name} unreachable");

        // Its region cannot say what it holds: the others answer, and it is listed as not answering.
        var sharding = await Ccm(asker, "-o", "json", "cluster", "sharding", "--type", "host");
        Assert.Equal(0, sharding.Exit);
        using (var doc = JsonDocument.Parse(sharding.Out))
        {
            var region = doc.RootElement.GetProperty("regions")[0];
            Assert.Contains(region.GetProperty("failed").EnumerateArray(), f => f.GetString()!.StartsWith(victimAddress, StringComparison.Ordinal));
            Assert.Equal(2, region.GetProperty("nodes").GetArrayLength());
        }

        // Asked again only while the node answers "unavailable" (exit 4): then nothing was done.
        var down = await Eventually.Get(async () => await Ccm(asker, "cluster", "down", victimAddress, "--reason", "killed") is var run && run.Exit != 4 ? run.ToTuple() : null,
            "an answer to `ccm cluster down`", TimeSpan.FromSeconds(30), Poll);
        Assert.Equal(0, down.Item1);
        Assert.Contains("is down", down.Item2);

        await Eventually.True(async () => (await ShowAsync(asker)) is { Count: 2 } left && left.All(m => m.Status == "Up" && m.Reachable) && left.All(m => m.Address != victimAddress),
            "two members Up, the killed one removed", TimeSpan.FromSeconds(30), Poll);
        var after = await Eventually.Get(async () =>
        {
            var hosts = await EntitiesPerNodeAsync(asker, "host");
            return hosts.Values.Sum() == 12 && !hosts.ContainsKey(victimAddress) ? hosts : null;
        }, "the 12 hosts' entities on the two others", TimeSpan.FromSeconds(40), Poll);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: hosts per node: {string.Join(", ", after.Select(h => $"{h.Key} {h.Value}"))}");
        Assert.Equal(2, after.Count);

        var again = await Ccm(asker, "cluster", "down", victimAddress);
        Assert.Equal(3, again.Exit);
        Assert.Contains("no member of the cluster", again.Err);
    }

    private sealed record Member(string Address, string Status, bool Reachable);

    private sealed record State(string Self, List<Member> Members);

    /// <summary>The members as `ccm cluster show` lists them; empty while the node cannot answer.</summary>
    private async Task<List<Member>> ShowAsync(ClusterOfProcesses.Node node) => (await ShowStateAsync(node))?.Members ?? [];

    private async Task<State?> ShowStateAsync(ClusterOfProcesses.Node node)
    {
        var run = await Ccm(node, "-o", "json", "cluster", "show");
        if (run.Exit != 0)
        {
            output.WriteLine($"`ccm cluster show` on {node.Name}: {run.Err.Trim()}");
            return null;
        }
        using var doc = JsonDocument.Parse(run.Out);
        var members = doc.RootElement.GetProperty("members").EnumerateArray()
            .Select(m => new Member(m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!, m.GetProperty("reachable").GetBoolean())).ToList();
        return new State(doc.RootElement.GetProperty("self").GetString()!, members);
    }

    /// <summary>A type's entities per node address, as `ccm cluster sharding --type TYPE` shows them; empty while the answer fails.</summary>
    private async Task<Dictionary<string, int>> EntitiesPerNodeAsync(ClusterOfProcesses.Node node, string type)
    {
        var run = await Ccm(node, "-o", "json", "cluster", "sharding", "--type", type);
        if (run.Exit != 0) return [];
        using var doc = JsonDocument.Parse(run.Out);
        return doc.RootElement.GetProperty("regions")[0].GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("entities").GetInt32() > 0)
            .ToDictionary(n => n.GetProperty("address").GetString()!, n => n.GetProperty("entities").GetInt32());
    }

    /// <summary>The node whose own `cluster show` answers as this address.</summary>
    private async Task<ClusterOfProcesses.Node> VictimAsync(string address)
    {
        foreach (var node in _cluster.Nodes)
            if ((await ShowStateAsync(node))?.Self == address) return node;
        throw new InvalidOperationException($"no node answers as {address}");
    }

    private async Task<(int Exit, string Out, string Err)> Ccm(ClusterOfProcesses.Node node, params string[] args)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var console = new TestConsole().Width(240);
        var errors = new StringWriter();
        var token = _cluster.AdminToken;
        var exit = await new CcmApp(console, errors, environment: name => name == "CCM_TOKEN" ? token : null)
            .RunAsync(["--endpoint", node.Grpc.ToString(), .. args], CancellationToken.None);
        output.WriteLine($"ccm {string.Join(' ', args)} on {node.Name}: exit {exit} in {clock.ElapsedMilliseconds} ms");
        return (exit, console.Output, errors.ToString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}
