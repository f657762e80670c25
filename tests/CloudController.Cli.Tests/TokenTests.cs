using CloudController.Cli.Tests.Fakes;
using Grpc.Core.Interceptors;

namespace CloudController.Cli.Tests;

/// <summary>Where ccm's API token comes from (a file or the environment, never the command line) and that every call carries it.</summary>
[Collection(FakeNodeCollection.Name)]
public sealed class TokenTests : IDisposable
{
    private readonly FakeNode _node;
    private readonly string _dir = Directory.CreateTempSubdirectory("ccm-token-").FullName;

    public TokenTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TokenFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private async Task<(CcmRun Run, List<string?> Sent)> RunAsync(string[] args, Dictionary<string, string> environment)
    {
        var sent = new List<string?>();
        var run = await CcmRun.Run(args,
            invokers: _ => _node.Channel.CreateCallInvoker().Intercept(metadata =>
            {
                lock (sent) sent.Add(metadata.GetValue("authorization"));
                return metadata;
            }),
            environment: name => environment.GetValueOrDefault(name));
        return (run, sent);
    }

    [Theory]
    [InlineData(true, true, true, "from-option")]
    [InlineData(false, true, true, "from-env-file")]
    [InlineData(false, false, true, "from-env")]
    [InlineData(false, false, false, null)]
    public async Task The_option_wins_over_the_token_file_variable_which_wins_over_the_token_variable(bool option, bool envFile, bool env, string? expected)
    {
        var environment = new Dictionary<string, string>();
        if (envFile) environment["CCM_TOKEN_FILE"] = TokenFile("env-file", "from-env-file\n");
        if (env) environment["CCM_TOKEN"] = "from-env";
        string[] args = option ? ["--token-file", TokenFile("option", "  from-option\n"), "hosts", "list"] : ["hosts", "list"];

        var (run, sent) = await RunAsync(args, environment);

        Assert.Equal(0, run.ExitCode);
        Assert.NotEmpty(sent);
        Assert.All(sent, header => Assert.Equal(expected is null ? null : $"Bearer {expected}", header));
    }

    [Fact]
    public async Task A_token_file_that_cannot_be_read_or_is_empty_is_a_usage_error_naming_the_option()
    {
        var (missing, sentMissing) = await RunAsync(["--token-file", Path.Combine(_dir, "nope"), "hosts", "list"], []);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--token-file, CCM_TOKEN_FILE or the context", missing.Errors);
        Assert.Empty(sentMissing);

        var (empty, _) = await RunAsync(["hosts", "list"], new() { ["CCM_TOKEN_FILE"] = TokenFile("empty", "\n") });
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("is empty", empty.Errors);
    }

    [Fact]
    public async Task There_is_no_option_that_takes_the_token_itself()
    {
        var run = await CcmRun.Run(["--token", "secret", "hosts", "list"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--token", run.Errors);
    }

    [Fact]
    public async Task A_user_needs_one_of_the_three_roles()
    {
        var run = await CcmRun.Against(_node, "users", "add", "alice", "--role", "root");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("root", run.Errors);
    }
}
