using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.Quotas;
using CloudController.Cluster.Storage;
using CloudController.Cluster.Vms;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>
    /// VMs (entities woken by a message, each holding its record and provisioning data and speaking to its guest) and
    /// the storage allocation tables of sets of VMs. Reads <see cref="StorageSettings"/> (<c>storage.*</c>) and
    /// <see cref="EntitySettings"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithVms(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, ControllerSecrets secrets) =>
        builder
            .WithShardRegion<ControllerActorKeys.Vms>(
                "vm",
                (_, _) =>
                {
                    var channel = new GuestChannel(driver, secrets);
                    return vmId => VmActor.Props(vmId, channel);
                },
                new EntityMessageExtractor<VmProtocol.IVmCommand>(settings.Entities.ShardCount),
                Passivating(settings))
            .WithShardRegion<ControllerActorKeys.StorageAllocations>(
                "storage-allocations",
                (_, _) => _ => StorageAllocationActor.Props(driver, settings),
                new EntityMessageExtractor<StorageProtocol.IStorageCommand>(settings.Entities.ShardCount),
                Remembered);

    /// <summary>One entity per owner holding its quotas and what its VMs, pools and networks claim against them.</summary>
    public static AkkaConfigurationBuilder WithQuotas(this AkkaConfigurationBuilder builder, ControllerSettings settings) =>
        builder.WithShardRegion<ControllerActorKeys.Quotas>(
            "quota",
            (_, _) => QuotaActor.Props,
            new EntityMessageExtractor<QuotaProtocol.IQuotaCommand>(settings.Entities.ShardCount),
            Passivating(settings));
}
