using CloudController.Domain.Audit;

namespace CloudController.Domain.Tests.Audit;

public class AuditPolicyTests
{
    [Theory]
    [InlineData("/cloudcontroller.v1.Provisioning/Provision")]
    [InlineData("/cloudcontroller.v1.Vms/DeleteVm")]
    [InlineData("/cloudcontroller.v1.Access/AddUser")]
    [InlineData("/cloudcontroller.v1.Admin/DownMember")]
    [InlineData("/cloudcontroller.v1.Activation/Activate")]
    [InlineData("/clusterautoscaler.cloudprovider.v1.externalgrpc.CloudProvider/NodeGroupIncreaseSize")]
    [InlineData("/cloudcontroller.v1.Quotas/SomeCallAddedLater")]
    public void Calls_that_may_change_state_are_recorded(string method) => Assert.True(AuditPolicy.Records(method));

    [Theory]
    [InlineData("/cloudcontroller.v1.Vms/GetVm")]
    [InlineData("/cloudcontroller.v1.Vms/ListVms")]
    [InlineData("/cloudcontroller.v1.Provisioning/WatchTask")]
    [InlineData("/cloudcontroller.v1.Access/WhoAmI")]
    [InlineData("/cloudcontroller.v1.Advisor/ExplainPlacement")]
    [InlineData("/clusterautoscaler.cloudprovider.v1.externalgrpc.CloudProvider/NodeGroups")]
    [InlineData("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")]
    public void Reads_are_not(string method) => Assert.False(AuditPolicy.Records(method));

    [Fact]
    public void A_call_is_named_by_service_and_method_without_the_package() =>
        Assert.Equal("Vms/DeleteVm", AuditPolicy.CallName("/cloudcontroller.v1.Vms/DeleteVm"));
}
