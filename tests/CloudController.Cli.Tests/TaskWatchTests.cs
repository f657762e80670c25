using System.Text.Json;
using CloudController.Api.V1;
using CloudController.Cli.Tests.Fakes;

namespace CloudController.Cli.Tests;

/// <summary>`task watch` and `--wait` over the real WatchTask stream of the fake node.</summary>
[Collection(FakeNodeCollection.Name)]
public class TaskWatchTests
{
    private readonly FakeNode _node;

    public TaskWatchTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    [Fact]
    public async Task Without_a_terminal_it_prints_a_line_per_stage_change()
    {
        // The fleet's task-1 streams RecordingVm, Placing 10%, Placing 15%, CloningDisk, then Succeeded.
        var run = await CcmRun.Against(_node, "task", "watch", "task-1");

        Assert.Equal(0, run.ExitCode);
        var stages = run.OutputLines.Where(l => l.Contains("task-1")).ToList();
        Assert.Collection(stages,
            l => Assert.Matches(@"^\d\d:\d\d:\d\d task-1 Running RecordingVm 0%$", l),
            l => Assert.EndsWith("task-1 Running Placing 10%", l),
            l => Assert.EndsWith("task-1 Running CloningDisk 40%", l),
            l => Assert.EndsWith("task-1 Succeeded Completed 100%", l));
        Assert.Equal("VM vm-1 (web-01) is running on host sim-host-01.", run.OutputLines[^1]);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public async Task With_json_output_it_prints_one_json_object_per_stage_change()
    {
        var run = await CcmRun.Against(_node, "--output", "json", "task", "watch", "task-1");

        Assert.Equal(0, run.ExitCode);
        var statuses = run.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["RecordingVm", "Placing", "CloningDisk", "Completed"], statuses.Select(s => s.GetProperty("stage").GetString()));
        Assert.Equal("TASK_STATE_SUCCEEDED", statuses[^1].GetProperty("state").GetString());
        Assert.Equal("vm-1", statuses[^1].GetProperty("vmId").GetString());
    }

    [Theory]
    [InlineData(TaskState.Failed, "Failed")]
    [InlineData(TaskState.Aborted, "Aborted")]
    public async Task A_task_that_ends_badly_exits_refused_and_says_why_on_stderr(TaskState end, string name)
    {
        _node.Fleet.TaskUpdates.Clear();
        _node.Fleet.TaskUpdates.Add(FakeFleet.TaskUpdate("task-9", TaskState.Running, "PoweringOn", 60));
        _node.Fleet.TaskUpdates.Add(FakeFleet.TaskUpdate("task-9", TaskState.RollingBack, "PoweringOn", 60));
        _node.Fleet.TaskUpdates.Add(FakeFleet.TaskUpdate("task-9", end, "RolledBack", 100, error: "PowerOn failed: injected fault"));

        var run = await CcmRun.Against(_node, "task", "watch", "task-9");

        Assert.Equal((int)ExitCode.Refused, run.ExitCode);
        Assert.Contains($"Task task-9 ended {name}: PowerOn failed: injected fault", run.Errors);
        Assert.Contains("ccm task show task-9", run.Errors);
        Assert.Contains("task-9 RollingBack PoweringOn 60%", run.Output);
        Assert.DoesNotContain("injected fault", run.Output);
    }

    [Fact]
    public async Task A_stream_that_ends_before_the_task_does_says_so()
    {
        _node.Fleet.TaskUpdates.RemoveAt(_node.Fleet.TaskUpdates.Count - 1);

        var run = await CcmRun.Against(_node, "task", "watch", "task-1");

        Assert.Equal((int)ExitCode.Unreachable, run.ExitCode);
        Assert.Contains("still Running", run.Errors);
    }

    [Fact]
    public async Task A_task_that_stops_moving_is_given_up_on_after_the_stall_timeout_naming_its_stage()
    {
        _node.Fleet.TaskUpdates.RemoveAt(_node.Fleet.TaskUpdates.Count - 1);
        _node.Fleet.StreamsStayOpen = true;

        var run = await CcmRun.Against(_node, "--stall-timeout", "1", "task", "watch", "task-1");

        Assert.Equal((int)ExitCode.Stalled, run.ExitCode);
        Assert.Contains("Gave up on task task-1: nothing changed for 1 s; it is Running at stage CloningDisk (40%).", run.Errors);
        Assert.Contains("ccm task abort task-1", run.Errors);

        var bad = await CcmRun.Against(_node, "--stall-timeout", "0", "task", "watch", "task-1");
        Assert.Equal((int)ExitCode.Usage, bad.ExitCode);
        Assert.Contains("--stall-timeout", bad.Errors);
    }

    [Fact]
    public async Task Watching_an_unknown_task_is_not_found()
    {
        var run = await CcmRun.Against(_node, "task", "watch", "task-404");

        Assert.Equal((int)ExitCode.NotFound, run.ExitCode);
        Assert.Contains("task task-404 not found", run.Errors);
    }

    [Fact]
    public async Task On_a_terminal_it_shows_a_progress_bar_labelled_with_the_stage()
    {
        var run = await CcmRun.Run(["--endpoint", _node.Endpoint.ToString(), "task", "watch", "task-1"], interactive: true);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("web-01: Completed", run.Output);
        Assert.Contains("100%", run.Output);
        Assert.DoesNotContain("task-1 Running", run.Output);
        Assert.Contains("VM vm-1 (web-01) is running on host sim-host-01.", run.Output);
    }

    [Fact]
    public async Task Json_output_never_draws_a_progress_bar_even_on_a_terminal()
    {
        var run = await CcmRun.Run(["--endpoint", _node.Endpoint.ToString(), "-o", "json", "task", "watch", "task-1"], interactive: true);

        Assert.Equal(0, run.ExitCode);
        Assert.All(run.OutputLines, l => JsonDocument.Parse(l).Dispose());
        Assert.Equal(4, run.OutputLines.Count);
    }
}
