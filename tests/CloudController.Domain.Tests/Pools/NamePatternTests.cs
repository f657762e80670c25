using CloudController.Domain.Pools;

namespace CloudController.Domain.Tests.Pools;

public class NamePatternTests
{
    [Theory]
    [InlineData("web-{n:0000}", 7, "web-0007")]
    [InlineData("web-{n}", 12345, "web-12345")]
    [InlineData("{n}-db", 3, "3-db")]
    public void Names_a_child_by_its_number(string pattern, long number, string expected) =>
        Assert.Equal(expected, NamePattern.Parse(pattern).Pattern!.NameFor(number));

    [Theory]
    [InlineData("web", "no {n}")]
    [InlineData("web-{n}-{n}", "more than once")]
    [InlineData("web-{n:00x}", "is not {n} or {n:000}")]
    [InlineData("Web-{n}", "upper-case")]
    [InlineData("web_{n}", "only letters a-z")]
    [InlineData("-{n}", "starts or ends with '-'")]
    public void Refuses_patterns_that_do_not_give_host_names(string pattern, string expected) =>
        Assert.Contains(expected, NamePattern.Parse(pattern).Problem);
}
