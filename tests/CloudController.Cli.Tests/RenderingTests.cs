using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console.Testing;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.Cli.Tests;

public class RenderingTests
{
    private static Host Host(string id, string state, long freeMemory) => new()
    {
        Id = id,
        State = state,
        HardwareClass = "general",
        Capacity = new Resources { CpuCores = 32, MemoryMib = 131072, DiskGib = 2000 },
        Free = new Resources { CpuCores = 30, MemoryMib = freeMemory, DiskGib = 1960 },
        VmCount = 1,
        CpuLoad = 0.25,
    };

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        var console = new TestConsole().Width(200);
        console.Write(renderable);
        return console.Output;
    }

    [Fact]
    public void The_hosts_table_has_a_row_per_host_with_used_and_free_capacity()
    {
        var text = Render(HostTables.Hosts([Host("sim-host-01", "Active", 126976), Host("sim-host-02", "Draining", 131072)]));
        Assert.Contains("sim-host-01", text);
        Assert.Contains("Draining", text);
        Assert.Contains("2/32", text);
        Assert.Contains("126976/131072", text);
        Assert.Contains("25 %", text);
    }

    [Fact]
    public void A_hosts_state_history_shows_each_change_with_its_time_reason_and_caller()
    {
        var host = Host("sim-host-01", "Active", 126976);
        host.StateHistory.Add(new HostStateChange
        {
            At = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), State = "maintenance", Reason = "firmware [update]", By = "alice",
        });
        host.StateHistory.Add(new HostStateChange { At = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMinutes(5)), State = "unreachable", Reason = "silent for 30s" });
        host.StateHistory.Add(new HostStateChange { State = "draining", Reason = "evacuating" });

        var lines = Render(HostTables.StateHistory(host)).Split('\n');
        var maintenance = Array.FindIndex(lines, l => l.Contains("maintenance"));
        var unreachable = Array.FindIndex(lines, l => l.Contains("unreachable"));
        Assert.Matches(@"1970-01-01 00:00:00Z +maintenance +firmware \[update\] +alice", lines[maintenance]);
        Assert.Matches(@"1970-01-01 00:05:00Z +unreachable +silent for 30s +-", lines[unreachable]);
        Assert.Matches(@"^ *- +draining +evacuating +-", lines.Single(l => l.Contains("draining")));
        Assert.True(maintenance < unreachable, "oldest first");
    }

    [Fact]
    public void A_vms_events_show_when_what_who_asked_and_the_task_in_the_order_given_and_as_csv()
    {
        static Timestamp At(int minutes) => Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMinutes(minutes));
        VmEvent[] events =
        [
            new() { At = At(0), Event = "provision requested", Detail = "provision web-01 from model ubuntu", By = "alice", TaskId = "task-1" },
            new() { At = At(2), Event = "config generation 1", Detail = "set app.mode", By = "alice" },
            new() { At = At(5), Event = "moved", Detail = "from h1 to h2", TaskId = "task-2" },
        ];

        var lines = Render(VmTables.Events(events)).Split('\n').Where(l => l.Contains("1970")).ToList();

        Assert.Equal(3, lines.Count);
        Assert.Matches(@"1970-01-01 00:00:00Z +provision requested +provision web-01 from model ubuntu +alice +task-1", lines[0]);
        Assert.Matches(@"1970-01-01 00:02:00Z +config generation 1 +set app\.mode +alice +-", lines[1]);
        Assert.Matches(@"1970-01-01 00:05:00Z +moved +from h1 to h2 +- +task-2", lines[2]);
        var csv = TableCsv.Format(VmTables.Events(events)).Split('\n');
        Assert.Equal("AT,EVENT,DETAIL,BY,TASK", csv[0]);
        Assert.Equal("1970-01-01 00:05:00Z,moved,from h1 to h2,-,task-2", csv[3]);
    }

    [Fact]
    public void Server_text_with_markup_characters_is_shown_literally()
    {
        var text = Render(VmTables.Vms([new Vm { Id = "vm-1", Hostname = "[red]x[/]", State = "Running", Model = "m", TaskId = "t" }]));
        Assert.Contains("[red]x[/]", text);
    }

    [Fact]
    public void A_lost_vm_shows_when_and_why_it_was_lost()
    {
        var vm = new Vm
        {
            Id = "vm-1", Hostname = "web-01", State = "Lost", HostId = "hv-01", Model = "m", TaskId = "t",
            LostReason = "host hv-01 no longer has it", LostAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
        };
        var text = Render(VmTables.Vm(vm));
        Assert.Contains("Lost", text);
        Assert.Matches(@"(?m)^lost +1970-01-01 00:00:00Z: host hv-01 no longer has it", text);
        Assert.DoesNotMatch(@"(?m)^lost ", Render(VmTables.Vm(new Vm { Id = "vm-2", Hostname = "h", State = "Running", Model = "m", TaskId = "t" })));
    }

    [Fact]
    public void A_task_shows_its_error_and_its_history()
    {
        var status = new TaskStatus
        {
            Id = "task-1", Kind = "Provision", State = TaskState.Failed, Stage = "Failed", Percent = 100,
            VmId = "vm-1", Hostname = "web-01", Error = "PowerOn on host sim-host-01 failed: injected fault",
            History = { new TaskEvent { At = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Stage = "PoweringOn", Message = "PoweringOn failed: injected fault" } },
        };
        var text = Render(TaskTables.Task(status)) + Render(TaskTables.History(status));
        Assert.Contains("injected fault", text);
        Assert.Contains("PoweringOn", text);
        Assert.Contains("Failed", text);
    }

    [Theory]
    [InlineData(TaskState.Succeeded, ExitCode.Success)]
    [InlineData(TaskState.Failed, ExitCode.Refused)]
    [InlineData(TaskState.Aborted, ExitCode.Refused)]
    [InlineData(TaskState.Running, ExitCode.Unreachable)]
    public void How_a_task_ended_decides_the_exit_code(TaskState state, ExitCode expected)
    {
        var errors = new StringWriter();
        using var session = new CcmSession(new Uri("http://127.0.0.1:5400"), OutputFormat.Table, new TestConsole(), errors);
        var code = TaskProgress.Conclude(session, new TaskStatus { Id = "task-1", State = state, Error = "why", Kind = "Provision" });
        Assert.Equal(expected, code);
        if (expected == ExitCode.Refused) Assert.Contains("rolled back", errors.ToString());
    }

    [Fact]
    public void Json_output_is_the_message_in_proto_json_with_defaults()
    {
        var json = Output.ToJson(new ProvisionResponse { TaskId = "task-1", VmId = "vm-1" });
        Assert.Equal("{ \"taskId\": \"task-1\", \"vmId\": \"vm-1\", \"vms\": [ ] }", json);
    }
}
