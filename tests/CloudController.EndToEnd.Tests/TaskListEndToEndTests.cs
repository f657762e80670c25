using System.Text.Json;
using CloudController.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>`ccm task list` from the tasks' read model: every task, filtered by state, kind, host, owner and time.</summary>
public class TaskListEndToEndTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, params string[] args)
    {
        var console = new TestConsole().Width(300);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    private static async Task<List<JsonElement>> Tasks(RunningNode node, params string[] filters)
    {
        var run = await Ccm(node, ["task", "list", "-o", "json", .. filters]);
        Assert.True(run.Exit == 0, run.Err);
        using var json = JsonDocument.Parse(run.Out);
        return json.RootElement.TryGetProperty("tasks", out var tasks) ? [.. tasks.EnumerateArray().Select(t => t.Clone())] : [];
    }

    private static string[] Hostnames(IEnumerable<JsonElement> tasks) => [.. tasks.Select(t => t.GetProperty("hostname").GetString()!)];

    [Fact]
    public async Task Provisions_and_a_deletion_are_listed_and_filtered()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);

        foreach (var name in new[] { "web-01", "web-02" })
            Assert.Equal(0, (await Ccm(node, "vm", "create", "--model", "ubuntu", "--hostname", name, "--owner", "team-a", "--wait")).Exit);
        // The VMs' read model follows the journal within moments, as a person typing would see.
        var vm = await Eventually.Get(async () => (await node.Vms.ListVmsAsync(new Api.V1.ListVmsRequest())).Vms.SingleOrDefault(v => v.Hostname == "web-01"),
            "web-01 listed");
        Assert.Equal(0, (await Ccm(node, "vm", "delete", vm.Id, "--wait")).Exit);

        // The read model follows the journal within moments.
        var all = await Eventually.Get(async () => await Tasks(node) is { Count: 3 } t && t.All(x => x.GetProperty("state").GetString() == "TASK_STATE_SUCCEEDED") ? t : null,
            "three ended tasks listed");
        Assert.Equal(["web-01", "web-02", "web-01"], Hostnames(all));
        Assert.Equal(["Provision", "Provision", "Delete"], all.Select(t => t.GetProperty("kind").GetString()));
        Assert.All(all, t => Assert.Equal(0, t.TryGetProperty("history", out var history) ? history.GetArrayLength() : 0));

        Assert.Equal(["web-01"], Hostnames(await Tasks(node, "--kind", "delete")));
        Assert.Equal(3, (await Tasks(node, "--state", "Succeeded", "--since", "1h")).Count);
        Assert.Empty(await Tasks(node, "--state", "Running"));
        Assert.Empty(await Tasks(node, "--since", "2099-01-01"));
        Assert.Equal(2, (await Tasks(node, "--owner", "team-a", "--kind", "Provision")).Count);
        Assert.Empty(await Tasks(node, "--owner", "team-b"));
        var web02Host = all[1].GetProperty("hostId").GetString()!;
        Assert.Contains("web-02", Hostnames(await Tasks(node, "--host", web02Host)));
        Assert.DoesNotContain(Hostnames(await Tasks(node, "--host", "no-such-host")), _ => true);

        var table = await Ccm(node, "task", "list");
        Assert.Contains("Succeeded", table.Out);
        Assert.Contains("team-a", table.Out);
        var wrong = await Ccm(node, "task", "list", "--state", "done");
        Assert.Equal(2, wrong.Exit);
        Assert.Contains("'done' is not a task state", wrong.Err);
    }
}
