using CloudController.Cli.Tests.Fakes;

namespace CloudController.Cli.Tests;

/// <summary>Named contexts in $XDG_CONFIG_HOME/ccm/config, and the order settings are taken in: flag, environment, context, default.</summary>
[Collection(FakeNodeCollection.Name)]
public sealed class ContextTests : IDisposable
{
    private readonly FakeNode _node;
    private readonly string _config = Directory.CreateTempSubdirectory("ccm-config-").FullName;
    private readonly Dictionary<string, string> _environment = new();

    public ContextTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
        _environment["XDG_CONFIG_HOME"] = _config;
    }

    public void Dispose() => Directory.Delete(_config, recursive: true);

    private Task<CcmRun> Ccm(params string[] args) => CcmRun.Run(args, environment: name => _environment.GetValueOrDefault(name));

    [Fact]
    public async Task A_context_is_set_used_listed_and_deleted_in_the_config_file()
    {
        Assert.Equal(0, (await Ccm("context", "set", "lab", "--endpoint", _node.Endpoint.ToString())).ExitCode);
        Assert.Equal(0, (await Ccm("context", "set", "prod", "--endpoint", "http://127.0.0.1:1")).ExitCode);
        Assert.Equal(0, (await Ccm("context", "use", "lab")).ExitCode);
        Assert.True(File.Exists(Path.Combine(_config, "ccm", "config")));

        var list = await Ccm("context", "list");
        Assert.Matches(@"\*\s+lab\s+http://127\.0\.0\.1", list.Output);
        Assert.Matches(@"\n\s+prod\s+http://127\.0\.0\.1:1", list.Output);

        var hosts = await Ccm("host", "list");
        Assert.Equal(0, hosts.ExitCode);
        Assert.Contains("sim-host-01", hosts.Output);

        Assert.Equal(0, (await Ccm("context", "delete", "lab")).ExitCode);
        var gone = await Ccm("context", "use", "lab");
        Assert.Equal(3, gone.ExitCode);
        Assert.Contains("no context 'lab'", gone.Errors);
    }

    [Fact]
    public async Task The_flag_wins_over_the_environment_which_wins_over_the_context()
    {
        await Ccm("context", "set", "dead", "--endpoint", "http://127.0.0.1:1");
        await Ccm("context", "set", "live", "--endpoint", _node.Endpoint.ToString());
        await Ccm("context", "use", "dead");

        Assert.Equal(4, (await Ccm("host", "list")).ExitCode);
        Assert.Equal(0, (await Ccm("--context", "live", "host", "list")).ExitCode);
        _environment["CCM_CONTEXT"] = "live";
        Assert.Equal(0, (await Ccm("host", "list")).ExitCode);
        Assert.Equal(4, (await Ccm("--context", "dead", "host", "list")).ExitCode);
        _environment["CCM_ENDPOINT"] = "http://127.0.0.1:1";
        Assert.Equal(4, (await Ccm("host", "list")).ExitCode);
        Assert.Equal(0, (await Ccm("--endpoint", _node.Endpoint.ToString(), "host", "list")).ExitCode);
    }

    [Fact]
    public async Task The_context_token_file_is_used_when_no_flag_or_variable_gives_one()
    {
        var token = Path.Combine(_config, "token");
        File.WriteAllText(token, "");
        await Ccm("context", "set", "lab", "--endpoint", _node.Endpoint.ToString(), "--token-file", token);
        await Ccm("context", "use", "lab");

        var run = await Ccm("host", "list");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"The token file '{token}' is empty", run.Errors);
    }

    [Fact]
    public async Task An_unknown_context_or_a_broken_file_is_a_usage_error_that_says_what_to_do()
    {
        var unknown = await Ccm("--context", "nope", "host", "list");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no context 'nope'", unknown.Errors);

        Directory.CreateDirectory(Path.Combine(_config, "ccm"));
        File.WriteAllText(Path.Combine(_config, "ccm", "config"), "{ not json");
        var broken = await Ccm("host", "list");
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("Cannot read the contexts file", broken.Errors);
        Assert.Empty(_node.Fleet.Requests);
    }
}
