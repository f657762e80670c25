using System.Diagnostics;
using System.Text.RegularExpressions;
using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// `/metrics` on a busy node's health listener: valid exposition format (`promtool check metrics`), figures that
/// move with the work, and alert rules and a dashboard that name only metrics the node serves.
/// </summary>
public partial class MetricsEndToEndTests(ITestOutputHelper output)
{
    private static readonly string Repository = FindRepository();

    [Fact]
    public async Task A_busy_nodes_scrape_passes_promtool_and_its_figures_move()
    {
        var health = FreePort.Next();
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", $"cloudcontroller.health.endpoint=http://127.0.0.1:{health}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}"), DefaultRequestVersion = System.Net.HttpVersion.Version11 };
        await node.WaitForHostsAsync(2);
        var before = Samples(await http.GetStringAsync("/metrics"));

        await node.AddUbuntuModelAsync();
        var provisioned = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "m-01" });
        await node.WatchToEndAsync(provisioned.TaskId);
        await Assert.ThrowsAsync<RpcException>(async () => await node.Provisioning.ProvisionAsync(new ProvisionRequest
        {
            Model = "ubuntu", Hostname = "m-02", Overrides = new HardwareOverrides { MemoryMib = 100_000_000 }, MinMemoryMib = 100_000_000,
        }));
        await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = "vm-none" }));
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "m-tpl", Model = "ubuntu" });
        await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "m", Template = "m-tpl", NamePattern = "m-{n:00}", IpRange = "10.0.0.0/24", Desired = 3 });

        var scrape = await Eventually.Get(async () =>
        {
            var text = await http.GetStringAsync("/metrics");
            return Samples(text).GetValueOrDefault("cloudcontroller_pool_children{pool=\"m\",state=\"ready\"}") == 3 ? text : null;
        }, "pool m's 3 ready children in /metrics");
        var after = Samples(scrape);
        output.WriteLine(scrape);

        // The registry is the process's: nodes of other tests running beside this one count into it too.
        Assert.True(Moved("cloudcontroller_tasks_started_total{kind=\"Provision\"}") >= 1);
        Assert.True(Moved("cloudcontroller_tasks_ended_total{kind=\"Provision\",state=\"Succeeded\"}") >= 1);
        Assert.True(Moved("cloudcontroller_placement_decision_duration_seconds_count") >= 1);
        Assert.True(after.Keys.Count(k => k.StartsWith("cloudcontroller_task_step_duration_seconds_count{", StringComparison.Ordinal)) >= 3);
        Assert.True(Moved("cloudcontroller_journal_write_duration_seconds_count{entity=\"task\"}") >= 4);
        Assert.True(Moved("cloudcontroller_fork_duration_seconds_count{outcome=\"done\"}") >= 3);
        Assert.True(Moved("cloudcontroller_grpc_calls_total{method=\"Vms/GetVm\",code=\"NotFound\"}") >= 1);
        Assert.True(Moved("cloudcontroller_grpc_calls_total{method=\"Provisioning/Provision\",code=\"OK\"}") >= 1);
        Assert.Equal(3, after["cloudcontroller_pool_children{pool=\"m\",state=\"desired\"}"]);
        Assert.Equal(1, after["cloudcontroller_cluster_members{status=\"Up\"}"]);
        Assert.Equal(0, after["cloudcontroller_cluster_unreachable_members"]);
        Assert.True(after["cloudcontroller_shards{type=\"host\"}"] >= 1);
        Assert.Equal(2, after["cloudcontroller_entities{type=\"host\"}"]);
        Assert.True(after.ContainsKey("cloudcontroller_keypool_sets_available"));
        Assert.Equal(0, after["cloudcontroller_tasks_running"]);

        Promtool(["check", "metrics"], stdin: scrape);
        // The rules and the dashboard name only metrics a node serves (a labelled counter shows once it has counted).
        var served = after.Keys.Select(k => k.Split('{')[0]).ToHashSet();
        foreach (var field in typeof(Cluster.Metrics.ControllerMetrics).GetFields())
            if (field.GetValue(null) is Prometheus.Collector collector) served.UnionWith([collector.Name, collector.Name + "_bucket"]);
        foreach (var file in new[] { Path.Combine("deploy", "prometheus", "rules.yml"), Path.Combine("deploy", "grafana", "cloudcontroller-dashboard.json") })
        {
            var named = MetricName().Matches(File.ReadAllText(Path.Combine(Repository, file))).Select(m => m.Value).Distinct().ToList();
            Assert.NotEmpty(named);
            Assert.All(named, name => Assert.Contains(name, served));
        }

        double Moved(string series) => after.GetValueOrDefault(series) - before.GetValueOrDefault(series);
    }

    [Fact]
    public void The_alert_rules_pass_promtool() =>
        Assert.Contains("SUCCESS: 4 rules found", Promtool(["check", "rules", Path.Combine(Repository, "deploy", "prometheus", "rules.yml")]));

    /// <summary>Each sample line's series (name and labels, as written) and value.</summary>
    private static Dictionary<string, double> Samples(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => (Series: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(s => s.Series, s => s.Value);

    private static string Promtool(string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var said = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"promtool {string.Join(' ', args)} failed: {said}");
        return said;
    }


    private static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CloudController.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("not inside the repository");
    }

    [GeneratedRegex(@"cloudcontroller_[a-z_]+[a-z]")]
    private static partial Regex MetricName();
}
