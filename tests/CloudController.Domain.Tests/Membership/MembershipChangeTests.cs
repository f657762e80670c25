using CloudController.Domain.Membership;

namespace CloudController.Domain.Tests.Membership;

public class MembershipChangeTests
{
    private const string A = "akka.tcp://cloudcontroller@10.0.0.1:4053";
    private const string B = "akka.tcp://cloudcontroller@10.0.0.2:4053";
    private const string C = "akka.tcp://cloudcontroller@10.0.0.3:4053";

    private static readonly MemberView[] Three = [new(A, "Up", true), new(B, "Up", true), new(C, "Up", false)];

    [Theory]
    [InlineData(B)]
    [InlineData("10.0.0.2:4053")]
    [InlineData("AKKA.TCP://cloudcontroller@10.0.0.2:4053/")]
    public void A_member_is_named_by_its_address_or_host_and_port(string given) =>
        Assert.Equal(B, MembershipChange.Find(Three, given)?.Address);

    [Fact]
    public void Downing_or_leaving_a_member_among_others_is_allowed()
    {
        Assert.Null(MembershipChange.Refusal(Three, C, down: true));
        Assert.Null(MembershipChange.Refusal(Three, "10.0.0.1:4053", down: false));
    }

    [Fact]
    public void An_address_no_member_has_is_refused_and_the_refusal_says_where_to_look()
    {
        var refusal = MembershipChange.Refusal(Three, "10.0.0.9:4053", down: true);
        Assert.Contains("no member of the cluster is at '10.0.0.9:4053'", refusal);
        Assert.Contains("ccm cluster show", refusal);
        Assert.Contains("name the member", MembershipChange.Refusal(Three, " ", down: true));
    }

    [Fact]
    public void The_last_serving_member_is_neither_downed_nor_made_to_leave()
    {
        MemberView[] lastOne = [new(A, "Up", true), new(B, "Leaving", true), new(C, "Down", false)];
        Assert.Contains("last member", MembershipChange.Refusal(lastOne, A, down: true));
        Assert.Contains("last member", MembershipChange.Refusal([new(A, "Up", true)], A, down: false));
    }

    [Fact]
    public void A_member_already_on_its_way_out_is_refused() =>
        Assert.Contains("already leaving", MembershipChange.Refusal([new(A, "Up", true), new(B, "Leaving", true)], B, down: true));

    [Fact]
    public void Down_unreachable_takes_the_unreachable_members_not_already_down()
    {
        var (addresses, refusal) = MembershipChange.Unreachable([.. Three, new("akka.tcp://cloudcontroller@10.0.0.4:4053", "Down", false)]);
        Assert.Null(refusal);
        Assert.Equal([C], addresses);
        Assert.Empty(MembershipChange.Unreachable([new(A, "Up", true)]).Addresses);
    }

    [Fact]
    public void Down_unreachable_refuses_when_no_member_is_reachable() =>
        Assert.Contains("every member is unreachable", MembershipChange.Unreachable([new(A, "Up", false), new(B, "Up", false)]).Refusal);
}
