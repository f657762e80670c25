using System.Text.RegularExpressions;

namespace CloudController.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public async Task Help_lists_every_palette_and_every_exit_code()
    {
        var run = await CcmRun.Of("help");
        Assert.Equal(0, run.ExitCode);
        foreach (var palette in new[] { "host help", "model help", "vm help", "task help", "catalog help", "instant help", "placement help", "user help" })
            Assert.Contains(palette, run.Output);
        Assert.Contains("Usage: ccm [--context NAME] [--endpoint URL] [--token-file PATH] [--output table|json|csv] <palette> <command> [options]", run.Output);
        foreach (var code in Enum.GetValues<ExitCode>())
            Assert.Matches($@"\b{(int)code}\s+{Regex.Escape(code.Meaning())}", run.Output);
        Assert.Equal(run.Output, (await CcmRun.Of()).Output);
    }

    [Fact]
    public void Every_exit_code_keeps_the_value_scripts_rely_on()
    {
        Assert.Equal(
            [(ExitCode.Success, 0), (ExitCode.Refused, 1), (ExitCode.Usage, 2), (ExitCode.NotFound, 3), (ExitCode.Unreachable, 4), (ExitCode.NoCapacity, 5), (ExitCode.Stalled, 6)],
            Enum.GetValues<ExitCode>().Select(c => (c, (int)c)));
    }

    [Theory]
    [InlineData("host", new[] { "host list", "host show <host-id>", "host set <host-id> <state>" })]
    [InlineData("model", new[] { "model create <name> --os <os>", "model list", "model show <name>", "model delete <name>" })]
    [InlineData("vm", new[] { "vm create --hostname <name>", "vm list", "vm show <vm-id>", "vm delete <vm-id>" })]
    [InlineData("task", new[] { "task show <task-id>", "task watch <task-id>", "task abort <task-id>" })]
    [InlineData("catalog", new[] { "catalog oses", "catalog check --os <os>", "catalog define-os <name> --family <family>", "catalog delete <kind> <name>" })]
    [InlineData("instant", new[] { "instant capture <name> --vm <vm-id>", "instant list", "instant delete <name>" })]
    [InlineData("placement", new[] { "placement explain --cpu <n> --memory <mib> --disk <gib>" })]
    public async Task A_palette_help_lists_its_commands(string palette, string[] commands)
    {
        var run = await CcmRun.Of(palette, "help");
        Assert.Equal(0, run.ExitCode);
        foreach (var command in commands) Assert.Contains(command, run.Output);
        Assert.Equal(run.Output, (await CcmRun.Of(palette)).Output);
    }

    [Theory]
    [InlineData("hosts", "host")]
    [InlineData("models", "model")]
    [InlineData("users", "user")]
    [InlineData("vms", "vm")]
    public async Task A_plural_palette_is_an_alias_of_the_singular_one(string plural, string singular)
    {
        var run = await CcmRun.Of(plural, "help");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal((await CcmRun.Of(singular, "help")).Output, run.Output);
        Assert.Contains($"(also: {plural})", (await CcmRun.Of("help")).Output);
    }

    [Fact]
    public async Task A_renamed_verb_is_listed_with_its_old_name()
    {
        var run = await CcmRun.Of("model", "help");
        Assert.Matches(@"model create <name>.*\(also: add\)", run.Output);
        Assert.Matches(@"model delete <name>.*\(also: remove\)", run.Output);
    }

    [Theory]
    [InlineData("vm", "provision", "--help")]
    [InlineData("model", "create", "-h")]
    [InlineData("models", "add", "-h")]
    [InlineData("task", "watch", "--help")]
    public async Task Help_on_a_command_lists_its_options_even_without_the_required_ones(params string[] args)
    {
        var run = await CcmRun.Of(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output);
        Assert.Contains("--endpoint <url>", run.Output);
        Assert.Contains("--output <table|json|csv>", run.Output);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public async Task A_malformed_endpoint_is_a_usage_error()
    {
        var run = await CcmRun.Of("--endpoint", "not a url", "hosts", "list");
        Assert.Equal((int)ExitCode.Usage, run.ExitCode);
        Assert.Contains("not an http:// or https:// URL", run.Errors);
    }

    [Fact]
    public async Task An_unreachable_node_exits_with_its_code_and_says_how_to_start_one()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var run = await CcmRun.Of("--endpoint", "http://127.0.0.1:1", "hosts", "list");
        Assert.Equal((int)ExitCode.Unreachable, run.ExitCode);
        Assert.Contains("The node at http://127.0.0.1:1/ is not reachable", run.Errors);
        Assert.Contains("dotnet run --project src/CloudController.Node", run.Errors);
        Assert.Contains("CCM_ENDPOINT", run.Errors);
        Assert.Empty(run.Output);
    }
}
