using System.Text.Json;
using CloudController.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>`ccm cluster` against a one-node embedded cluster: its member, its shards, and the refusals.</summary>
public class ClusterPaletteEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_operator_sees_the_member_and_its_shards_and_is_told_why_a_down_is_refused()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.WaitForHostsAsync(2);

        var shown = await Ccm(node, "cluster", "show");
        Assert.Equal(0, shown.Exit);
        Assert.Contains("Up", shown.Out);
        Assert.Contains("leader, oldest (singletons), answered", shown.Out);
        Assert.Contains("1 members, 1 up, 0 unreachable", shown.Out);

        var json = await Ccm(node, "-o", "json", "cluster", "show");
        using var state = JsonDocument.Parse(json.Out);
        var self = state.RootElement.GetProperty("self").GetString()!;
        Assert.StartsWith("akka.tcp://", self);

        var hosts = await Eventually.Get(async () =>
        {
            var run = await Ccm(node, "-o", "json", "cluster", "sharding", "--type", "host");
            using var doc = JsonDocument.Parse(run.Out);
            var nodes = doc.RootElement.GetProperty("regions")[0].GetProperty("nodes");
            return nodes.GetArrayLength() == 1 && nodes[0].GetProperty("entities").GetInt32() == 2 ? run.Out : null;
        }, "the two hosts' entities in `ccm cluster sharding --type host`");
        Assert.Contains(self, hosts);

        var all = await Ccm(node, "cluster", "sharding");
        Assert.Equal(0, all.Exit);
        Assert.Contains("pool", all.Out);
        Assert.Contains("task", all.Out);

        var badType = await Ccm(node, "cluster", "sharding", "--type", "nope");
        Assert.Equal(2, badType.Exit);
        Assert.Contains("'nope' is not an entity type", badType.Err);

        var last = await Ccm(node, "cluster", "down", self);
        Assert.Equal(1, last.Exit);
        Assert.Contains("last member", last.Err);

        var stranger = await Ccm(node, "cluster", "leave", "10.9.9.9:4053");
        Assert.Equal(3, stranger.Exit);
        Assert.Contains("no member of the cluster is at '10.9.9.9:4053'", stranger.Err);

        var none = await Ccm(node, "cluster", "down-unreachable");
        Assert.Equal(0, none.Exit);
        Assert.Contains("nothing to down", none.Out);

        // The tail starts with the current member; stopping it is the operator's Ctrl+C.
        using var stop = new CancellationTokenSource();
        var console = new TestConsole().Width(240);
        var tail = new CcmApp(console, new StringWriter(), environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), "cluster", "tail"], stop.Token);
        await Eventually.Get(() => Task.FromResult(console.Output.Contains("MemberUp") ? "" : null), "MemberUp in `ccm cluster tail`");
        stop.Cancel();
        Assert.Equal(0, await tail);
        Assert.Contains(self, console.Output);
    }

    internal static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, params string[] args)
    {
        var console = new TestConsole().Width(240);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }
}
