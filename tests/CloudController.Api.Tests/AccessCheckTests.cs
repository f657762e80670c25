using CloudController.Api.Access;
using CloudController.Api.Services;
using CloudController.Api.V1;
using CloudController.Domain;
using CloudController.Domain.Access;
using CloudController.Domain.Vms;
using Grpc.Core;
using Xunit.Abstractions;
using static CloudController.Cluster.Access.AccessProtocol;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Api.Tests;

/// <summary>The token and role every call needs with access control on, and ownership of what a call names.</summary>
public class AccessCheckTests(ITestOutputHelper output) : ServiceTestKit(output, accessControl: true)
{
    private const string ListVms = "/cloudcontroller.v1.Vms/ListVms";
    private const string DeleteVm = "/cloudcontroller.v1.Vms/DeleteVm";
    private static readonly ApiUser Viewer = new("vera", Domain.Access.Role.Viewer, false, "h", DateTimeOffset.UnixEpoch);
    private static readonly ApiUser Provisioner = new("pat", Domain.Access.Role.Provisioner, false, "h", DateTimeOffset.UnixEpoch);

    private AccessCheck? _check;

    private Task<string> Call(TestCallContext context) =>
        (_check ??= new AccessCheck(Actors)).UnaryServerHandler<Google.Protobuf.WellKnownTypes.Empty, string>(new Google.Protobuf.WellKnownTypes.Empty(), context, (_, c) => Task.FromResult($"ran as {AccessCheck.Caller(c)?.Name}"));

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated_and_says_how_to_give_one()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Call(new TestCallContext(ListVms)));

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("CCM_TOKEN", e.Status.Detail);
        Cluster.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task An_unknown_token_is_unauthenticated()
    {
        var call = Call(new TestCallContext(ListVms, "not-a-token"));
        Assert.Equal(AccessToken.Hash("not-a-token"), Answer<Authenticate>(new Authenticated(null)).TokenHash);

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("`ccm users rotate`", e.Status.Detail);
    }

    [Fact]
    public async Task A_role_below_the_call_is_refused_naming_both_roles()
    {
        var call = Call(new TestCallContext(DeleteVm, "vera-token"));
        Answer<Authenticate>(new Authenticated(Viewer));

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("Vms/DeleteVm needs the provisioner role; vera is viewer", e.Status.Detail);
    }

    [Fact]
    public async Task A_role_that_suffices_runs_the_call_as_its_user_and_is_remembered()
    {
        var first = Call(new TestCallContext(ListVms, "vera-token"));
        Answer<Authenticate>(new Authenticated(Viewer));
        Assert.Equal("ran as vera", await first);

        // Within the two seconds a user is remembered, the registry is not asked again.
        Assert.Equal("ran as vera", await Call(new TestCallContext(ListVms, "vera-token")));
        Cluster.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Anothers_vm_is_refused_to_a_provisioner()
    {
        var context = new TestCallContext(DeleteVm, "pat-token");
        var check = Call(context);
        Answer<Authenticate>(new Authenticated(Provisioner));
        await check;

        var call = new VmsService(Actors).DeleteVm(new DeleteVmRequest { Id = "vm-1" }, context);
        Answer<GetVm>(new VmStatus(new VmRecord("vm-1", "web-1", "ubuntu", new Domain.Resources(2, 4096, 40), VmState.Running, "host-a", "d", "t", DateTimeOffset.UnixEpoch, Owner: "vera")));

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("VM vm-1 is not pat's; only its owner or an administrator may see or change it", e.Status.Detail);
    }

    [Fact]
    public async Task Calls_that_carry_their_own_credential_need_no_token()
    {
        Assert.Equal("ran as ", await Call(new TestCallContext("/cloudcontroller.v1.Activation/Activate")));
        Cluster.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
