using CloudController.Domain.Access;

namespace CloudController.Domain.Tests.Access;

public class AccessPolicyTests
{
    [Theory]
    [InlineData("/cloudcontroller.v1.Vms/ListVms", Role.Viewer)]
    [InlineData("/cloudcontroller.v1.Provisioning/WatchTask", Role.Viewer)]
    [InlineData("/cloudcontroller.v1.Advisor/ExplainPlacement", Role.Viewer)]
    [InlineData("/cloudcontroller.v1.Access/WhoAmI", Role.Viewer)]
    [InlineData("/cloudcontroller.v1.Provisioning/Provision", Role.Provisioner)]
    [InlineData("/cloudcontroller.v1.Pools/ScalePool", Role.Provisioner)]
    [InlineData("/cloudcontroller.v1.Vms/DeleteVm", Role.Provisioner)]
    [InlineData("/cloudcontroller.v1.KeyPool/IssueActivationToken", Role.Provisioner)]
    [InlineData("/cloudcontroller.v1.Hosts/EvacuateHost", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Hosts/CreateJoinToken", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Hosts/RemoveAgent", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Vms/MigrateVm", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Catalog/AddModel", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Access/ListUsers", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Access/AddUser", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Pools/SomeCallAddedLater", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Admin/GetCluster", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Admin/WatchCluster", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Admin/GetSharding", Role.Administrator)]
    [InlineData("/cloudcontroller.v1.Admin/DownMember", Role.Administrator)]
    [InlineData("not-a-method", Role.Administrator)]
    public void Each_call_needs_its_role_and_an_unlisted_one_needs_an_administrator(string method, Role role) =>
        Assert.Equal(role, AccessPolicy.Required(method));

    [Theory]
    [InlineData("/cloudcontroller.v1.Activation/Activate")]
    [InlineData("/cloudcontroller.v1.GuestChannel/WatchData")]
    [InlineData("/cloudcontroller.hostagent.v1.HostJoin/Join")]
    [InlineData("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    public void Calls_with_their_own_credential_need_no_user(string method) => Assert.Null(AccessPolicy.Required(method));

    [Fact]
    public void Roles_are_ordered_so_that_a_higher_one_may_do_what_a_lower_one_may() =>
        Assert.True(Role.Viewer < Role.Provisioner && Role.Provisioner < Role.Administrator);
}
