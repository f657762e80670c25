using System.Collections.Frozen;

namespace CloudController.Domain.Access;

/// <summary>
/// The role each API call needs. Reads (Get, List, Watch, and the advisor's explanations) need a viewer; the calls
/// that provision and manage VMs, networks and pools a provisioner; everything else, including any call added
/// later and not listed here, an administrator; every call of the Admin service (the cluster itself) too.
/// </summary>
public static class AccessPolicy
{
    /// <summary>Services whose calls carry their own credential (an activation or guest token) or need none.</summary>
    private static readonly FrozenSet<string> Open = FrozenSet.ToFrozenSet(
    [
        "cloudcontroller.v1.Activation", "cloudcontroller.v1.GuestChannel",
        // A host agent joins with its one-time join token.
        "cloudcontroller.hostagent.v1.HostJoin",
        // Kubernetes Cluster Autoscaler proves itself with a client certificate on a listener of its own.
        "clusterautoscaler.cloudprovider.v1.externalgrpc.CloudProvider",
        "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection",
    ]);

    private static readonly FrozenSet<string> ProvisionerCalls = FrozenSet.ToFrozenSet(
    [
        "Provisioning/Provision", "Provisioning/AbortTask", "Provisioning/ProvisionNetwork",
        "Vms/DeleteVm", "Vms/SetVmConfig",
        "Pools/DefineTemplate", "Pools/CreatePool", "Pools/ScalePool", "Pools/StartChildren", "Pools/DeletePool",
        "Pools/SetPoolAutoscaling", "Pools/RemoveChildren",
        "Catalog/CaptureInstantImage", "KeyPool/IssueActivationToken",
    ]);

    private static readonly FrozenSet<string> ViewerCalls = FrozenSet.ToFrozenSet(["Advisor/CheckBuild", "Advisor/ExplainPlacement", "Access/WhoAmI"]);

    /// <summary>Services all of whose calls, reads included, are for administrators: the cluster itself.</summary>
    private static readonly FrozenSet<string> AdministratorServices = FrozenSet.ToFrozenSet(["cloudcontroller.v1.Admin"]);

    /// <summary>Reads that are not for everyone.</summary>
    private static readonly FrozenSet<string> AdministratorReads = FrozenSet.ToFrozenSet(["Access/ListUsers"]);

    /// <summary>The role a call needs, or null for a call that carries its own credential.</summary>
    /// <param name="fullMethod">As gRPC names it: /package.Service/Method.</param>
    public static Role? Required(string fullMethod)
    {
        var path = fullMethod.TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash < 0) return Role.Administrator;
        var service = path[..slash];
        if (Open.Contains(service)) return null;
        if (AdministratorServices.Contains(service)) return Role.Administrator;
        var call = $"{service[(service.LastIndexOf('.') + 1)..]}/{path[(slash + 1)..]}";
        var method = path[(slash + 1)..];
        if (AdministratorReads.Contains(call)) return Role.Administrator;
        if (method.StartsWith("Get", StringComparison.Ordinal) || method.StartsWith("List", StringComparison.Ordinal) ||
            method.StartsWith("Watch", StringComparison.Ordinal) || ViewerCalls.Contains(call))
            return Role.Viewer;
        return ProvisionerCalls.Contains(call) ? Role.Provisioner : Role.Administrator;
    }

    public static string Describe(Role role) => role.ToString().ToLowerInvariant();
}
