using System.Text.Json;
using CloudController.Cli.Tests.Fakes;

namespace CloudController.Cli.Tests;

/// <summary>What ccm prints for answers that came over the wire: tables for people, JSON and nothing else for scripts.</summary>
[Collection(FakeNodeCollection.Name)]
public class OutputTests
{
    private readonly FakeNode _node;

    public OutputTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    [Fact]
    public async Task Hosts_list_is_a_table_with_a_row_per_host()
    {
        var run = await CcmRun.Against(_node, "hosts", "list");

        Assert.Equal(0, run.ExitCode);
        var header = Assert.Single(run.OutputLines, l => l.StartsWith("HOST"));
        Assert.Matches(@"HOST\s+STATE\s+CLASS\s+VCPU USED/TOTAL\s+MEM FREE/TOTAL MiB\s+DISK FREE/TOTAL GiB\s+VMS\s+RESERVATIONS\s+LOAD", header);
        Assert.Matches(@"sim-host-01\s+Active\s+general\s+4/32\s+122880/131072\s+1920/2000\s+1\s+1\s+25\s?%", run.Output);
        Assert.Matches(@"sim-host-02\s+Draining\s+large-memory\s+0/64\s+524288/524288\s+4000/4000\s+0\s+0\s+50\s?%", run.Output);
    }

    [Fact]
    public async Task Hosts_show_lists_the_host_properties()
    {
        var run = await CcmRun.Against(_node, "hosts", "show", "sim-host-01");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"cpu flags\s+avx2, vmx", run.Output);
        Assert.Matches(@"free\s+28 vCPU, 122880 MiB, 1920 GiB", run.Output);
    }

    [Fact]
    public async Task Vm_list_is_a_table_of_the_vms()
    {
        var run = await CcmRun.Against(_node, "vm", "list");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"VM\s+HOSTNAME\s+STATE\s+HOST\s+MODEL\s+HARDWARE\s+OWNER\s+TASK", run.Output);
        Assert.Matches(@"vm-1\s+web-01\s+Running\s+sim-host-01\s+ubuntu\s+2 vCPU, 4096 MiB, 40 GiB\s+alice\s+task-1", run.Output);
    }

    [Fact]
    public async Task Models_list_and_show_render_the_catalog()
    {
        var list = await CcmRun.Against(_node, "models", "list");
        Assert.Matches(@"ubuntu\s+ubuntu-24.04\s+nginx, php\s+2 vCPU, 4096 MiB, 40 GiB\s+1 vCPU, 1024 MiB, 10 GiB\s+ubuntu-24.04-server", list.Output);

        var show = await CcmRun.Against(_node, "models", "show", "ubuntu");
        Assert.Matches(@"disk image\s+ubuntu-24.04-server", show.Output);
    }

    [Fact]
    public async Task Task_show_is_the_status_then_the_history()
    {
        var run = await CcmRun.Against(_node, "task", "show", "task-1");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"state\s+Succeeded", run.Output);
        Assert.Matches(@"vm\s+vm-1 \(web-01\)", run.Output);
        Assert.Matches(@"AT\s+STAGE\s+EVENT", run.Output);
        Assert.Matches(@"00:00:00.000\s+RecordingVm\s+VM record created", run.Output);
        Assert.True(run.Output.IndexOf("state", StringComparison.Ordinal) < run.Output.IndexOf("EVENT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Provision_without_wait_prints_the_task_and_how_to_follow_it()
    {
        var run = await CcmRun.Against(_node, "vm", "provision", "--model", "ubuntu", "--hostname", "web-01");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Task task-1 is provisioning VM vm-1. Follow it with `ccm task watch task-1`.", run.Output);
    }

    [Fact]
    public async Task Json_output_is_the_response_in_proto_json_and_nothing_else()
    {
        var run = await CcmRun.Against(_node, "--output", "json", "hosts", "list");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var hosts = json.RootElement.GetProperty("hosts");
        Assert.Equal(2, hosts.GetArrayLength());
        var host = hosts[0];
        Assert.Equal("sim-host-01", host.GetProperty("id").GetString());
        Assert.Equal("Active", host.GetProperty("state").GetString());
        Assert.Equal(32, host.GetProperty("capacity").GetProperty("cpuCores").GetInt32());
        Assert.Equal("122880", host.GetProperty("free").GetProperty("memoryMib").GetString()); // proto JSON writes int64 as a string
        Assert.Equal(0.25, host.GetProperty("cpuLoad").GetDouble());
        // Defaults are written too, so a script finds every field whatever its value.
        Assert.Equal(0, hosts[1].GetProperty("vmCount").GetInt32());
        Assert.Empty(run.Errors);
    }

    [Theory]
    [InlineData("vm", "show", "vm-1")]
    [InlineData("task", "show", "task-1")]
    [InlineData("models", "remove", "ubuntu")]
    [InlineData("vm", "provision", "--model", "ubuntu", "--hostname", "web-02")]
    [InlineData("task", "abort", "task-1")]
    public async Task Every_command_writes_one_json_document_with_json_output(params string[] args)
    {
        var run = await CcmRun.Against(_node, ["-o", "json", .. args]);

        Assert.Equal(0, run.ExitCode);
        var line = Assert.Single(run.OutputLines);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
    }

    [Fact]
    public async Task Json_output_of_a_provision_names_the_task_and_vm()
    {
        var run = await CcmRun.Against(_node, "--output", "json", "vm", "provision", "--model", "ubuntu", "--hostname", "web-02");

        Assert.Equal("{ \"taskId\": \"task-1\", \"vmId\": \"vm-1\", \"vms\": [ ] }", run.Output.Trim());
    }

    [Fact]
    public async Task The_output_format_is_read_whatever_its_case()
    {
        var run = await CcmRun.Against(_node, "vm", "show", "vm-1", "--output", "JSON");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("web-01", json.RootElement.GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task Usage_report_is_a_table_per_owner_or_csv_for_billing()
    {
        var table = await CcmRun.Against(_node, "usage", "report");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Usage from 1970-01-01 00:00:00Z to 1970-01-01 01:00:00Z (sampled 1970-01-01 00:59:50Z)", table.Output);
        Assert.Matches(@"alice\s+3\s+12.5\s+25\s+50\s+500\s+2 VMs: 4 vCPU, 8192 MiB, 80 GiB", table.Output);
        Assert.Matches(@"\(no owner\)\s+0\s+0.33\s+0.67\s+1.33\s+13.33\s+-", table.Output);

        var csv = await CcmRun.Against(_node, "usage", "report", "-o", "csv");
        Assert.Equal(0, csv.ExitCode);
        Assert.Equal(
            [
                "owner,from,to,vms_started,vm_hours,core_hours,memory_gib_hours,disk_gib_hours,vms_held,cores_held,memory_mib_held,disk_gib_held",
                "alice,1970-01-01T00:00:00Z,1970-01-01T01:00:00Z,3,12.5,25,50,500,2,4,8192,80",
                ",1970-01-01T00:00:00Z,1970-01-01T01:00:00Z,0,0.3333,0.6667,1.3333,13.3333,0,0,0,0",
            ],
            csv.OutputLines.Where(l => l.Length > 0));
    }
}
