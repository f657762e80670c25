using CloudController.Cli.Tests.Fakes;

namespace CloudController.Cli.Tests;

/// <summary>Which node ccm talks to: --endpoint, else CCM_ENDPOINT, else the local default.</summary>
[Collection(FakeNodeCollection.Name)]
public class EndpointTests
{
    private readonly FakeNode _node;

    public EndpointTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    [Theory]
    [InlineData(null, null, "http://127.0.0.1:5400/")]
    [InlineData(null, "http://node-a:5400", "http://node-a:5400/")]
    [InlineData("http://node-b:6000", "http://node-a:5400", "http://node-b:6000/")]
    [InlineData("https://node-c", null, "https://node-c/")]
    public async Task The_option_wins_over_the_environment_which_wins_over_the_default(string? option, string? environment, string expected)
    {
        var chosen = new List<Uri>();
        string[] args = option is null ? ["hosts", "list"] : ["--endpoint", option, "hosts", "list"];

        var run = await CcmRun.Run(args,
            invokers: uri =>
            {
                chosen.Add(uri);
                return _node.Channel.CreateCallInvoker();
            },
            environment: name => name == "CCM_ENDPOINT" ? environment : null);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, Assert.Single(chosen).ToString());
    }

    [Fact]
    public async Task The_endpoint_option_may_follow_the_command()
    {
        var run = await CcmRun.Run(["hosts", "list", "--endpoint", _node.Endpoint.ToString()]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("sim-host-01", run.Output);
    }

    [Fact]
    public async Task The_environment_variable_reaches_a_real_node_over_plain_http2()
    {
        var run = await CcmRun.Run(["hosts", "list"], environment: name => name == "CCM_ENDPOINT" ? _node.Endpoint.ToString() : null);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("sim-host-02", run.Output);
    }
}
