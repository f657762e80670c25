using CloudController.Domain.Fleet;

namespace CloudController.Domain.Tests.Fleet;

public class HostEnrollmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static HostEnrollment With(HostEnrollment state, Decision decision)
    {
        Assert.Null(decision.Refusal);
        return state.Apply(decision.Event!);
    }

    private static HostEnrollment TokenFor(string? name, TimeSpan? validity = null) =>
        With(HostEnrollment.Empty, HostEnrollment.Empty.IssueToken("hash-1", name, validity ?? TimeSpan.FromHours(1), Now));

    [Fact]
    public void A_token_joins_its_host_once_and_is_then_refused_naming_who_used_it()
    {
        var state = TokenFor("hv-01");
        state = With(state, state.Join("hash-1", "hv-01", "https://10.0.0.1:5600", "SERIAL1", Now.AddMinutes(1)));

        Assert.Equal(("https://10.0.0.1:5600", "SERIAL1"), (state.Agents["hv-01"].Endpoint, state.Agents["hv-01"].Serial));
        var again = state.Join("hash-1", "hv-02", "https://10.0.0.2:5600", "SERIAL2", Now.AddMinutes(2));
        Assert.StartsWith("token: was used by host 'hv-01'", again.Refusal);
        Assert.Contains("works once", again.Refusal);
    }

    [Fact]
    public void An_expired_or_unknown_token_is_refused_with_its_reason_and_the_fix()
    {
        var state = TokenFor(null, TimeSpan.FromMinutes(10));

        var expired = state.JoinProblem("hash-1", "hv-01", "https://h:1", Now.AddMinutes(10))!.ToString();
        Assert.StartsWith("token: expired at 2026-12-04 12:10:00Z", expired);
        Assert.Contains("ccm host join-token --name hv-01 --expires 1h", expired);
        Assert.Null(state.JoinProblem("hash-1", "hv-01", "https://h:1", Now.AddMinutes(9)));

        Assert.StartsWith("token: is not a join token of this controller", state.JoinProblem("other", "hv-01", "https://h:1", Now)!.ToString());
    }

    [Fact]
    public void A_token_made_for_a_name_joins_no_other_and_a_name_is_one_hosts_until_it_is_removed()
    {
        var forOne = TokenFor("hv-01");
        Assert.StartsWith("name: the token was made for host 'hv-01', not 'hv-02'", forOne.JoinProblem("hash-1", "hv-02", "https://h:1", Now)!.ToString());

        var joined = With(forOne, forOne.Join("hash-1", "hv-01", "https://h:1", "SERIAL1", Now));
        joined = With(joined, joined.IssueToken("hash-2", null, TimeSpan.FromHours(1), Now));
        var taken = joined.JoinProblem("hash-2", "hv-01", "https://h:2", Now)!.ToString();
        Assert.StartsWith("name: a host named 'hv-01' has joined already (at https://h:1)", taken);
        Assert.Contains("ccm host remove hv-01", taken);
        Assert.StartsWith("name: a host named 'hv-01' has joined", joined.IssueToken("hash-3", "hv-01", TimeSpan.FromHours(1), Now).Refusal);
        // The refused join spent nothing: the token still works for another name.
        Assert.Null(joined.JoinProblem("hash-2", "hv-02", "https://h:2", Now));

        var removed = With(joined, joined.Remove("hv-01", Now));
        Assert.True(removed.IsRevoked("SERIAL1"));
        Assert.Empty(removed.Agents);
        Assert.Null(removed.JoinProblem("hash-2", "hv-01", "https://h:2", Now));
        Assert.StartsWith("name: no host named 'hv-01' has joined", removed.Remove("hv-01", Now).Refusal);
    }

    [Theory]
    [InlineData("HV-01", "https://h:1", "name: 'HV-01' has upper-case letters")]
    [InlineData("hv_01", "https://h:1", "name: 'hv_01' contains '_'")]
    [InlineData("hv-01", "http://h:1", "endpoint: 'http://h:1' is not an https:// address")]
    [InlineData("hv-01", "h:1:2", "endpoint: 'h:1:2' is not an https:// address")]
    public void A_bad_name_or_endpoint_is_refused_naming_the_field(string name, string endpoint, string refusal) =>
        Assert.StartsWith(refusal, TokenFor(null).JoinProblem("hash-1", name, endpoint, Now)!.ToString());

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    [InlineData(8 * 24 * 3600)]
    public void A_token_lives_between_a_second_and_a_week(int seconds) =>
        Assert.StartsWith($"expires: {seconds / 3600.0:0.##} hours is not between a second and 7 days", HostEnrollment.Empty.IssueToken("h", null, TimeSpan.FromSeconds(seconds), Now).Refusal);

    [Fact]
    public void Tokens_are_forgotten_a_week_after_they_expired()
    {
        var state = TokenFor(null);
        state = With(state, state.IssueToken("hash-2", null, TimeSpan.FromHours(1), Now.AddDays(8)));
        Assert.Equal(["hash-2"], state.Tokens.Keys);
    }
}
