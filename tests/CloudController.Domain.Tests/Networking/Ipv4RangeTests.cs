using CloudController.Domain.Networking;

namespace CloudController.Domain.Tests.Networking;

public class Ipv4RangeTests
{
    [Theory]
    [InlineData("10.0.0.10-10.0.0.59", "10.0.0.10", "10.0.0.59", 50)]
    [InlineData("10.1.0.0/24", "10.1.0.1", "10.1.0.254", 254)]
    [InlineData(" 192.168.1.1 - 192.168.1.1 ", "192.168.1.1", "192.168.1.1", 1)]
    public void Parses_ranges_and_cidr_blocks_leaving_out_network_and_broadcast(string text, string first, string last, long count)
    {
        var (range, problem) = Ipv4Range.Parse(text);
        Assert.Null(problem);
        Assert.Equal(first, Ipv4Range.Format(range!.First));
        Assert.Equal(last, Ipv4Range.Format(range.Last));
        Assert.Equal(count, range.Count);
    }

    [Theory]
    [InlineData("10.0.0.9-10.0.0.1", "ends before it starts")]
    [InlineData("10.0.0.1/24", "host bits set; the block starts at 10.0.0.0/24")]
    [InlineData("10.0.0/24", "not a CIDR block")]
    [InlineData("10.0.0.0/2", "prefix 8-30")]
    [InlineData("fe80::1-fe80::2", "not a range")]
    [InlineData("10.0.0.1", "not a range")]
    [InlineData("10.0.0.0/8", "at most 1048576")]
    public void Says_what_is_wrong_with_a_bad_range(string text, string expected)
    {
        var (range, problem) = Ipv4Range.Parse(text);
        Assert.Null(range);
        Assert.Contains(expected, problem);
    }
}
