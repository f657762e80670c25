using CloudController.Cli.Commands;

namespace CloudController.Cli.Tests;

public class SinceOptionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", "2026-12-04T11:58:30Z")]
    [InlineData("30m", "2026-12-04T11:30:00Z")]
    [InlineData("2h", "2026-12-04T10:00:00Z")]
    [InlineData("7d", "2026-11-27T12:00:00Z")]
    [InlineData("2026-12-01", "2026-12-01T00:00:00Z")]
    [InlineData("2026-12-01T08:00", "2026-12-01T08:00:00Z")]
    public void A_time_or_a_while_back(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), SinceOption.Parse(text, Now));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("5x")]
    [InlineData("h")]
    public void Anything_else_is_not_a_time(string text) => Assert.Null(SinceOption.Parse(text, Now));

    [Fact]
    public async Task A_wrong_since_is_a_usage_error_before_anything_is_sent()
    {
        var run = await CcmRun.Of("audit", "list", "--since", "yesterday");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--since 'yesterday' is neither a time nor a while back", run.Errors);
    }
}
