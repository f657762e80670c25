using CloudController.Api.V1;
using CloudController.Cli.Tests.Fakes;
using Grpc.Core.Interceptors;

namespace CloudController.Cli.Tests;

/// <summary>The grammar every command shares: --reason on state changes, -o csv and --watch on lists.</summary>
[Collection(FakeNodeCollection.Name)]
public class GrammarTests
{
    private readonly FakeNode _node;

    public GrammarTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    [Theory]
    [InlineData("host", "set")]
    [InlineData("host", "evacuate")]
    [InlineData("model", "create")]
    [InlineData("model", "delete")]
    [InlineData("vm", "create")]
    [InlineData("vm", "delete")]
    [InlineData("vm", "migrate")]
    [InlineData("task", "abort")]
    [InlineData("pool", "create")]
    [InlineData("pool", "scale")]
    [InlineData("pool", "delete")]
    [InlineData("template", "create")]
    [InlineData("user", "create")]
    [InlineData("user", "rotate")]
    [InlineData("storage", "create")]
    [InlineData("instant", "capture")]
    [InlineData("catalog", "define-os")]
    public async Task Every_state_change_takes_a_reason(string palette, string verb)
    {
        var run = await CcmRun.Of(palette, verb, "--help");
        Assert.Contains("--reason <text>", run.Output);
    }

    [Fact]
    public async Task A_read_takes_no_reason()
    {
        var run = await CcmRun.Of("host", "list", "--reason", "curious");
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task The_reason_travels_as_x_reason_metadata_percent_encoded_and_in_the_request_where_it_has_a_field()
    {
        var sent = new List<string?>();
        var run = await CcmRun.Run(["host", "set", "sim-host-01", "draining", "--reason", "Zoë: disk 3, slot \"b\""],
            invokers: _ => _node.Channel.CreateCallInvoker().Intercept(metadata =>
            {
                lock (sent) sent.Add(metadata.GetValue(ReasonHeader.Name));
                return metadata;
            }));

        Assert.Equal(0, run.ExitCode);
        var header = Assert.Single(sent);
        Assert.Equal("Zo%C3%AB%3A%20disk%203%2C%20slot%20%22b%22", header);
        Assert.Equal("Zoë: disk 3, slot \"b\"", ReasonHeader.Read(new Grpc.Core.Metadata { { ReasonHeader.Name, header! } }));
        Assert.Equal("Zoë: disk 3, slot \"b\"", Assert.IsType<SetHostStateRequest>(Assert.Single(_node.Fleet.Requests)).Reason);
    }

    [Fact]
    public async Task Without_a_reason_no_header_is_sent()
    {
        var sent = new List<string?>();
        await CcmRun.Run(["model", "delete", "ubuntu"], invokers: _ => _node.Channel.CreateCallInvoker().Intercept(metadata =>
        {
            lock (sent) sent.Add(metadata.GetValue(ReasonHeader.Name));
            return metadata;
        }));
        Assert.Equal([null], sent);
    }

    [Fact]
    public async Task A_list_as_csv_has_the_table_columns_and_a_row_each()
    {
        var run = await CcmRun.Against(_node, "host", "list", "-o", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("HOST,STATE,CLASS,VCPU USED/TOTAL,MEM FREE/TOTAL MiB,DISK FREE/TOTAL GiB,VMS,RESERVATIONS,LOAD", run.OutputLines[0]);
        Assert.Equal(_node.Fleet.Hosts.Count + 1, run.OutputLines.Count);
        Assert.StartsWith("sim-host-01,Active,", run.OutputLines[1]);
    }

    [Fact]
    public async Task Csv_is_refused_for_a_command_that_shows_one_result()
    {
        var run = await CcmRun.Against(_node, "host", "show", "sim-host-01", "-o", "csv");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("-o csv is for lists", run.Errors);
        Assert.Empty(_node.Fleet.Requests);
    }

    [Fact]
    public async Task A_watched_list_is_shown_again_only_when_it_changes_and_ends_without_error_when_stopped()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watching = CcmRun.Run(["--endpoint", _node.Endpoint.ToString(), "-o", "json", "host", "list", "--watch", "--interval", "0.05"], ct: stop.Token);
        await Until(() => _node.Fleet.Requests.Count >= 3);
        _node.Fleet.Hosts.RemoveAt(0);
        var seen = _node.Fleet.Requests.Count;
        await Until(() => _node.Fleet.Requests.Count >= seen + 3);
        await stop.CancelAsync();
        var run = await watching;

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, run.OutputLines.Count);
        Assert.NotEqual(run.OutputLines[0], run.OutputLines[1]);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 20_000, "the watch never asked again");
            await Task.Delay(20);
        }
    }
}
