using CloudController.Hypervisor.Agents;
using Grpc.Core;

namespace CloudController.Hypervisor.Tests.Agents;

public sealed class AgentLinkTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.Cancelled)]
    public void A_call_the_connection_ended_is_the_agent_not_answering(StatusCode status) =>
        Assert.True(AgentLink.IsSilence(new RpcException(new Status(status, "gone"))));

    [Fact]
    public void A_call_ended_mid_way_by_a_closed_connection_is_the_agent_not_answering_whatever_its_status()
    {
        var closed = new Status(StatusCode.Internal, "Error starting gRPC call.", new HttpRequestException("the response ended prematurely", new IOException("connection reset")));
        Assert.True(AgentLink.IsSilence(new RpcException(closed)));
        Assert.True(AgentLink.IsSilence(new RpcException(new Status(StatusCode.Unknown, "stream ended", new IOException("the request was aborted")))));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Internal)]
    public void A_status_the_agent_gave_is_a_refusal(StatusCode status) =>
        Assert.False(AgentLink.IsSilence(new RpcException(new Status(status, "the agent said no"))));
}
