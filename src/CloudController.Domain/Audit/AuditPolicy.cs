using System.Collections.Frozen;

namespace CloudController.Domain.Audit;

/// <summary>
/// Which API calls the audit trail records: every call that may change state. Reads (Get, List, Watch, the advisor's
/// explanations, WhoAmI), reflection and the Kubernetes autoscaler's questions are not recorded; any call added
/// later and not named a read here is.
/// </summary>
public static class AuditPolicy
{
    private static readonly FrozenSet<string> UnrecordedServices = FrozenSet.ToFrozenSet(
        ["grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"]);

    private static readonly FrozenSet<string> Reads = FrozenSet.ToFrozenSet(
    [
        "Advisor/CheckBuild", "Advisor/ExplainPlacement", "Access/WhoAmI",
        // The autoscaler's questions and its cache hooks; its three resizing calls are recorded.
        "CloudProvider/NodeGroups", "CloudProvider/NodeGroupForNode", "CloudProvider/PricingNodePrice", "CloudProvider/PricingPodPrice",
        "CloudProvider/GPULabel", "CloudProvider/Cleanup", "CloudProvider/Refresh", "CloudProvider/NodeGroupTargetSize",
        "CloudProvider/NodeGroupNodes", "CloudProvider/NodeGroupTemplateNodeInfo", "CloudProvider/NodeGroupGetOptions",
    ]);

    /// <summary>Whether the call is recorded.</summary>
    /// <param name="fullMethod">As gRPC names it: /package.Service/Method.</param>
    public static bool Records(string fullMethod)
    {
        var path = fullMethod.TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash < 0) return true;
        if (UnrecordedServices.Contains(path[..slash])) return false;
        var method = path[(slash + 1)..];
        if (method.StartsWith("Get", StringComparison.Ordinal) || method.StartsWith("List", StringComparison.Ordinal) ||
            method.StartsWith("Watch", StringComparison.Ordinal))
            return false;
        return !Reads.Contains(CallName(fullMethod));
    }

    /// <summary>The call as the trail names it: Service/Method, without the package ("Vms/DeleteVm").</summary>
    public static string CallName(string fullMethod)
    {
        var path = fullMethod.TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash < 0) return path;
        var service = path[..slash];
        return $"{service[(service.LastIndexOf('.') + 1)..]}/{path[(slash + 1)..]}";
    }
}
