using Akka.Actor;
using CloudController.Api.Errors;
using CloudController.Api.Services;
using CloudController.Api.V1;
using CloudController.Domain;
using CloudController.Domain.Vms;
using Google.Rpc;
using Grpc.Core;
using Xunit.Abstractions;
using static CloudController.Cluster.Access.AccessProtocol;
using static CloudController.Cluster.Vms.VmProtocol;

namespace CloudController.Api.Tests;

/// <summary>How the services answer what the cluster says: each refusal with its own status and a message that says what to do.</summary>
public class ErrorMappingTests(ITestOutputHelper output) : ServiceTestKit(output, accessControl: false)
{
    private static readonly VmRecord Vm = new("vm-1", "web-1", "ubuntu", new Domain.Resources(2, 4096, 40), VmState.Running, "host-a", "vm-1-disk", "task-1", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task An_unknown_vm_is_not_found_with_where_to_find_one()
    {
        var call = new VmsService(Actors).GetVm(new GetVmRequest { Id = " vm-9 " }, new TestCallContext("/cloudcontroller.v1.Vms/GetVm"));
        Assert.Equal("vm-9", Answer<GetVm>(new VmNotFound("vm-9")).VmId);

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("no VM 'vm-9'; list the VMs with `ccm vm list`", e.Status.Detail);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("a/b", "contains whitespace, control characters or '/'")]
    public async Task A_bad_id_is_refused_as_the_field_before_the_cluster_is_asked(string id, string problem)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => new VmsService(Actors).GetVm(new GetVmRequest { Id = id }, new TestCallContext("/cloudcontroller.v1.Vms/GetVm")));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var violation = Assert.Single(e.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("id", violation.Field);
        Assert.Contains(problem, violation.Description);
        Cluster.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Deleting_a_vm_still_being_provisioned_names_the_task_to_abort()
    {
        var call = new VmsService(Actors).DeleteVm(new DeleteVmRequest { Id = "vm-1" }, new TestCallContext("/cloudcontroller.v1.Vms/DeleteVm"));
        Answer<GetVm>(new VmStatus(Vm with { State = VmState.Provisioning }));

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("`ccm task abort task-1`", e.Status.Detail);
    }

    [Fact]
    public async Task A_registry_refusal_is_a_failed_precondition_with_its_reason()
    {
        var call = new AccessService(Actors).RemoveUser(new RemoveUserRequest { Name = "admin" }, new TestCallContext("/cloudcontroller.v1.Access/RemoveUser"));
        Answer<RemoveUser>(new AccessRefused("admin is the last administrator"));

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("admin is the last administrator", e.Status.Detail);
    }

    [Fact]
    public async Task Every_field_at_fault_is_reported_at_once()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            new AccessService(Actors).AddUser(new AddUserRequest { Name = "", Role = V1.Role.Unspecified }, new TestCallContext("/cloudcontroller.v1.Access/AddUser")));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["name", "role"], e.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order());
        Assert.StartsWith("2 problems:", e.Status.Detail);
    }

    [Fact]
    public async Task A_reply_the_service_does_not_expect_is_internal_naming_it()
    {
        var call = new VmsService(Actors).GetVm(new GetVmRequest { Id = "vm-1" }, new TestCallContext("/cloudcontroller.v1.Vms/GetVm"));
        Answer<GetVm>(new AccessRefused("wrong entity"));

        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.Contains(nameof(AccessRefused), e.Status.Detail);
    }

    [Fact]
    public async Task A_cluster_that_does_not_answer_in_time_is_unavailable()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => new ClusterErrorInterceptor().UnaryServerHandler<GetVmRequest, V1.Vm>(
            new GetVmRequest(), new TestCallContext("/cloudcontroller.v1.Vms/GetVm"), (_, _) => throw new AskTimeoutException("late")));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("retry", e.Status.Detail);
    }

    [Fact]
    public void Messages_that_quote_huge_input_are_cut_to_fit_the_trailers()
    {
        var e = RpcErrors.NotFound($"no VM '{new string('x', 100_000)}'");

        Assert.True(e.Status.Detail.Length <= 1001);
        Assert.EndsWith("…", e.Status.Detail);
    }
}
