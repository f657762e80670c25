namespace CloudController.Cluster.Hosting;

/// <summary>
/// Keys under which the controller's actors are registered with Akka.Hosting's actor registry: shard regions (hosts,
/// VMs, tasks...), node-local read models and the fleet view, and proxies of the cluster singletons.
/// </summary>
public static class ControllerActorKeys
{
    public sealed class Hosts;

    public sealed class Models;

    public sealed class Vms;

    public sealed class Tasks;

    public sealed class Quotas;

    public sealed class FleetView;

    public sealed class VmDirectory;

    public sealed class TaskDirectory;

    public sealed class ModelDirectory;

    public sealed class InstantImages;

    public sealed class InstantImageDirectory;

    public sealed class SoftwareEntries;

    public sealed class SoftwareCatalogDirectory;

    public sealed class ReplicaMaps;

    public sealed class Pools;

    public sealed class PoolDirectory;

    public sealed class FleetBalancer;

    public sealed class UsageMeter;

    public sealed class AuditTrail;

    public sealed class KeyPools;

    public sealed class AccessRegistries;

    public sealed class HostEnrollments;

    public sealed class StorageAllocations;

    public sealed class Networks;
}
