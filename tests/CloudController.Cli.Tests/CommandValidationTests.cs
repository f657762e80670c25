using CloudController.Cli.Tests.Fakes;

namespace CloudController.Cli.Tests;

/// <summary>
/// A command line ccm cannot act on is a usage error that names what is wrong, and it never reaches the node: the
/// tests run against the fake node and check it was sent nothing.
/// </summary>
[Collection(FakeNodeCollection.Name)]
public class CommandValidationTests
{
    private readonly FakeNode _node;

    public CommandValidationTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    public static TheoryData<string[], string> Wrong => new()
    {
        { ["vm", "provision", "--hostname", "web-01"], "--model <model>" },
        { ["vm", "provision", "--model", "ubuntu"], "--hostname" },
        { ["vm", "provision", "--model", "ubuntu", "--os", "ubuntu-24.04", "--hostname", "web-01"], "--model and --os exclude each other" },
        { ["vm", "provision", "--model", "ubuntu", "--hostname", "web-01", "--answer", "nonsense"], "--answer takes app.name=value, got 'nonsense'" },
        { ["vm", "provision", "--model", "ubuntu", "--hostname", "web-01", "--memory", "lots"], "lots" },
        { ["vm", "provision", "--model", "ubuntu", "--hostname", "web-01", "--cpu", "2.5"], "2.5" },
        { ["usage", "report", "--from", "yesterday"], "--from 'yesterday' is not a time; use 2026-12-01 or 2026-12-01T08:00 (UTC)." },
        { ["vm", "list", "--host"], "--host" },
        { ["vm", "show"], "vm-id" },
        { ["vm", "delete"], "vm-id" },
        { ["vm", "delete", "vm-1", "--force"], "--force" },
        {
            ["models", "add", "ubuntu", "--os", "ubuntu-24.04", "--cpu", "2", "--memory", "4096", "--disk", "40",
                "--min-cpu", "1", "--min-memory", "1024", "--min-disk", "10"],
            "--image"
        },
        { ["models", "add", "ubuntu", "--os", "ubuntu-24.04", "--image", "img", "--cpu", "2", "--memory", "4096", "--disk", "40"], "--min-cpu" },
        { ["models", "show"], "name" },
        { ["models", "remove"], "name" },
        { ["hosts", "show"], "host-id" },
        { ["hosts", "explode"], "explode" },
        { ["host", "join-token", "--expires", "soon"], "--expires: 'soon' is not a duration; give a number and a unit, e.g. 30m, 1h or 2d." },
        { ["host", "remove"], "name" },
        { ["task", "show"], "task-id" },
        { ["task", "watch"], "task-id" },
        { ["task", "abort"], "task-id" },
        { ["task", "abort", "task-1", "--reason"], "--reason" },
        { ["catalog", "check"], "--os" },
        { ["instant", "capture", "web-ready"], "--vm" },
        { ["placement", "explain", "--cpu", "2"], "--memory" },
        { ["--output", "yaml", "hosts", "list"], "--output takes table, json or csv, got 'yaml'." },
        { ["hosts", "list", "-o"], "-o" },
    };

    [Theory]
    [MemberData(nameof(Wrong))]
    public async Task A_wrong_command_line_is_a_usage_error_that_names_the_problem(string[] args, string named)
    {
        var run = await CcmRun.Against(_node, args);

        Assert.Equal((int)ExitCode.Usage, run.ExitCode);
        Assert.Contains(named, run.Errors);
        Assert.Contains("help", run.Errors);
        Assert.Empty(run.Output);
        Assert.Empty(_node.Fleet.Requests);
    }

    [Fact]
    public async Task A_usage_error_points_at_the_palette_help()
    {
        var run = await CcmRun.Against(_node, "vm", "provision", "--model", "ubuntu");
        Assert.Contains("Option '--hostname' is required.", run.Errors);
        Assert.Contains("See `ccm vm help`", run.Errors);
    }
}
