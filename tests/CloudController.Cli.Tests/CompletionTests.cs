using System.Diagnostics;

namespace CloudController.Cli.Tests;

/// <summary>`ccm completion bash|zsh`, checked by sourcing the script in a real bash and asking it to complete.</summary>
public class CompletionTests
{
    /// <summary>The words bash offers for a command line that ends where the cursor is.</summary>
    private static async Task<string[]> CompleteAsync(string script, string line)
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, script);
        try
        {
            var words = line.Split(' ');
            var program = $"source '{path}'; COMP_WORDS=({string.Join(" ", words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _ccm; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
            var bash = Process.Start(new ProcessStartInfo("bash", ["--norc", "-c", program]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await bash.StandardOutput.ReadToEndAsync();
            var errors = await bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync();
            Assert.True(bash.ExitCode == 0, errors);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("ccm ho", new[] { "host", "hosts" })]
    [InlineData("ccm host ", new[] { "list", "show", "set", "state", "evacuate", "rebalance", "join-token", "agents", "remove", "delete", "help" })]
    [InlineData("ccm models cr", new[] { "create" })]
    [InlineData("ccm --endpoint http://x:1 pool sc", new[] { "scale" })]
    [InlineData("ccm host list --wa", new[] { "--watch" })]
    [InlineData("ccm vm delete --rea", new[] { "--reason" })]
    [InlineData("ccm completion ", new[] { "bash", "zsh" })]
    [InlineData("ccm con", new[] { "context", "contexts" })]
    public async Task Bash_completes_palettes_verbs_and_options(string line, string[] expected)
    {
        var run = await CcmRun.Of("completion", "bash");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected.Order(), (await CompleteAsync(run.Output, line)).Order());
    }

    [Fact]
    public async Task The_zsh_script_loads_bash_completion_first()
    {
        var run = await CcmRun.Of("completion", "zsh");
        Assert.Contains("bashcompinit && bashcompinit", run.Output);
        Assert.Contains("complete -F _ccm ccm", run.Output);
    }

    [Fact]
    public async Task Another_shell_is_a_usage_error()
    {
        Assert.Equal(2, (await CcmRun.Of("completion", "fish")).ExitCode);
    }
}
