using System.Text.Json;
using CloudController.Cli;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>The operator's path: ccm, over real gRPC on loopback, against an in-process node.</summary>
public class CcmEndToEndTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, params string[] args)
    {
        var console = new TestConsole().Width(240);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    [Fact]
    public async Task An_operator_adds_a_model_provisions_with_wait_lists_and_deletes()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=3");
        await node.WaitForHostsAsync(3);

        var hosts = await Ccm(node, "hosts", "list");
        Assert.Equal(0, hosts.Exit);
        Assert.Contains("sim-host-03", hosts.Out);

        var added = await Ccm(node, "models", "add", "ubuntu", "--os", "ubuntu-24.04", "--app", "nginx", "--app", "php",
            "--cpu", "2", "--memory", "4096", "--disk", "40", "--min-cpu", "1", "--min-memory", "1024", "--min-disk", "10",
            "--image", "ubuntu-24.04-server");
        Assert.Equal(0, added.Exit);
        Assert.Contains("nginx, php", added.Out);

        var provisioned = await Ccm(node, "vm", "provision", "--model", "ubuntu", "--hostname", "web-01", "--memory", "8192", "--wait");
        Assert.Equal(0, provisioned.Exit);
        // A task this quick may end before --wait subscribes; the stream then starts at its final status.
        Assert.Contains("Succeeded", provisioned.Out);
        Assert.Contains("is running on host sim-host-", provisioned.Out);

        var listed = await Eventually.Get(async () =>
        {
            var run = await Ccm(node, "--output", "json", "vm", "list");
            return run.Out.Contains("\"Running\"") ? run.Out : null;
        }, "the VM in `ccm vm list`");
        using var json = JsonDocument.Parse(listed);
        var vm = json.RootElement.GetProperty("vms")[0];
        Assert.Equal("Running", vm.GetProperty("state").GetString());
        Assert.Equal("8192", vm.GetProperty("hardware").GetProperty("memoryMib").GetString()); // proto JSON writes int64 as a string

        var deleted = await Ccm(node, "vm", "delete", vm.GetProperty("id").GetString()!, "--wait");
        Assert.Equal(0, deleted.Exit);
        Assert.Contains("deleted", deleted.Out);
    }

    [Fact]
    public async Task An_operator_defines_a_template_scales_a_pool_migrates_a_VM_and_rebalances()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);

        var defined = await Ccm(node, "template", "define", "web-tpl", "--model", "ubuntu", "--customize", "add-data-disk:2", "--customize", "nope");
        Assert.Equal(2, defined.Exit);
        Assert.Contains("--customize takes name:reboots", defined.Err);
        defined = await Ccm(node, "template", "define", "web-tpl", "--model", "ubuntu", "--customize", "add-data-disk:2");
        Assert.Equal(0, defined.Exit);
        Assert.Contains("add-data-disk (2 reboots)", defined.Out);

        var created = await Ccm(node, "pool", "create", "web", "--template", "web-tpl", "--names", "web-{n:00}", "--ip-range", "10.0.0.0/24", "--count", "6");
        Assert.Equal(0, created.Exit);
        Assert.Contains("web 6/6 ready", created.Out); // not a terminal: progress as lines
        Assert.Contains("Pool web: 6 of 6 ready", created.Out);

        var scaled = await Ccm(node, "pool", "scale", "web", "2");
        Assert.Equal(0, scaled.Exit);
        Assert.Contains("Pool web: 2 of 2 ready", scaled.Out);
        var shown = await Ccm(node, "pool", "show", "web", "--children");
        Assert.Contains("web-01", shown.Out);
        Assert.Contains("10.0.0.2", shown.Out);
        Assert.DoesNotContain("web-03", shown.Out);

        var vm = await node.Provisioning.ProvisionAsync(new Api.V1.ProvisionRequest { Model = "ubuntu", Hostname = "db" });
        Assert.Equal(Api.V1.TaskState.Succeeded, (await node.WatchToEndAsync(vm.TaskId))[^1].State);
        var before = (await node.Vms.GetVmAsync(new Api.V1.GetVmRequest { Id = vm.VmId })).HostId;
        var migrated = await Ccm(node, "vm", "migrate", vm.VmId, "--wait");
        Assert.Equal(0, migrated.Exit);
        Assert.Contains("is running on host", migrated.Out);
        Assert.NotEqual(before, (await node.Vms.GetVmAsync(new Api.V1.GetVmRequest { Id = vm.VmId })).HostId);

        var configured = await Ccm(node, "vm", "config", "set", vm.VmId, "app.mode=blue", "secret.token=abc123");
        Assert.Equal(0, configured.Exit);
        Assert.Contains("generation 1 desired", configured.Out);
        var shownConfig = await Ccm(node, "vm", "config", "get", vm.VmId);
        Assert.Contains("blue", shownConfig.Out);
        Assert.DoesNotContain("abc123", shownConfig.Out);
        var badConfig = await Ccm(node, "vm", "config", "set", vm.VmId, "novalue");
        Assert.Equal(2, badConfig.Exit);
        Assert.Contains("set takes key=value", badConfig.Err);

        var storage = await Ccm(node, "storage", "define", "apps", "--datastore", "san-01:200:ssd", "--policy", "weighted", "--role-weight", "db=3");
        Assert.Equal(0, storage.Exit);
        Assert.Contains("san-01 (200 GiB ssd, shared)", storage.Out);
        var badStore = await Ccm(node, "storage", "define", "apps", "--datastore", "san-01");
        Assert.Equal(2, badStore.Exit);
        Assert.Contains("--datastore takes id:capacity-gib", badStore.Err);
        var db = await Ccm(node, "vm", "provision", "--model", "ubuntu", "--hostname", "db-01", "--storage-pool", "apps", "--storage-role", "db", "--wait");
        Assert.Equal(0, db.Exit);
        var table = await Ccm(node, "storage", "allocations");
        Assert.Contains("san-01", table.Out);
        Assert.Contains("db", table.Out);

        var plan = await Ccm(node, "hosts", "rebalance", "--dry-run", "--memory-threshold", "2");
        Assert.Equal(2, plan.Exit); // bad input, as the server says: a usage error
        Assert.Contains("memoryThreshold", plan.Err);
    }

    [Fact]
    public async Task Abort_and_watch_report_the_rollback_through_exit_codes()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.RegisterVm, Kind: SimulatedFaultKind.HangUntilCancelled));

        var started = await Ccm(node, "--output", "json", "vm", "provision", "--model", "ubuntu", "--hostname", "web-02");
        Assert.Equal(0, started.Exit);
        var taskId = JsonDocument.Parse(started.Out).RootElement.GetProperty("taskId").GetString()!;
        await node.WaitForStageAsync(taskId, "Registering");

        var aborted = await Ccm(node, "task", "abort", taskId, "--reason", "wrong size");
        Assert.Equal(0, aborted.Exit);
        var watched = await Ccm(node, "task", "watch", taskId);
        Assert.Equal((int)ExitCode.Refused, watched.Exit);
        Assert.Contains("Aborted", watched.Err);
        Assert.Contains("wrong size", watched.Err);

        var shown = await Ccm(node, "task", "show", taskId);
        Assert.Contains("Registering undone", shown.Out);

        var again = await Ccm(node, "task", "abort", taskId);
        Assert.Equal((int)ExitCode.Refused, again.Exit);
        var missing = await Ccm(node, "vm", "show", "vm-0000000000000000");
        Assert.Equal((int)ExitCode.NotFound, missing.Exit);
        var tooBig = await Ccm(node, "vm", "provision", "--model", "ubuntu", "--hostname", "huge", "--memory", "10000000");
        Assert.Equal((int)ExitCode.NoCapacity, tooBig.Exit);
        Assert.Contains("2 hosts considered", tooBig.Err);
    }
}
