using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Networks;
using CloudController.Cluster.Provisioning;
using CloudController.Cluster.ReadModels;
using CloudController.Cluster.Vms;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Hosting;

public static partial class AkkaControllerExtensions
{
    /// <summary>
    /// The key pool of first-boot sets, a remembered entity that fills itself. Reads <see cref="KeyPoolSettings"/>
    /// (<c>key-pool.*</c>). Registered before the tasks, which revoke the tokens of the VMs they delete.
    /// </summary>
    public static AkkaConfigurationBuilder WithKeyPool(
        this AkkaConfigurationBuilder builder, ControllerSettings settings, ControllerSecrets secrets) =>
        builder
            .WithShardRegion<ControllerActorKeys.KeyPools>(
                "key-pool",
                (_, _) => name => KeyPoolActor.Props(name, secrets, settings.KeyPool),
                new EntityMessageExtractor<KeyPoolProtocol.IKeyPoolCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithActors((_, registry) =>
            {
                // Wakes the remembered key pool so that it fills before the first VM asks.
                if (settings.KeyPool.FillOnStart)
                    registry.Get<ControllerActorKeys.KeyPools>().Tell(new KeyPoolProtocol.GetStatus(KeyPoolProtocol.DefaultPool));
            });

    /// <summary>
    /// Provisioning tasks (remembered, so that a task resumes after a crash), networks of VMs, and the node-local
    /// directories of VMs and tasks. Reads <see cref="ProvisioningSettings"/> (<c>provisioning.*</c>); needs the
    /// fleet, the VMs, the storage tables, the key pool and the quotas.
    /// </summary>
    public static AkkaConfigurationBuilder WithProvisioning(
        this AkkaConfigurationBuilder builder, IHypervisorDriver driver, ControllerSettings settings, ControllerSecrets secrets) =>
        builder
            .WithShardRegion<ControllerActorKeys.Tasks>(
                "task",
                (_, registry) =>
                {
                    var runner = new TaskStepRunner(
                        driver,
                        new GuestChannel(driver, secrets),
                        registry.Get<ControllerActorKeys.Hosts>(),
                        registry.Get<ControllerActorKeys.Vms>(),
                        registry.Get<ControllerActorKeys.FleetView>(),
                        registry.Get<ControllerActorKeys.StorageAllocations>(),
                        registry.Get<ControllerActorKeys.KeyPools>(),
                        settings);
                    var quotas = registry.Get<ControllerActorKeys.Quotas>();
                    return taskId => ProvisioningTaskActor.Props(taskId, runner, settings, quotas);
                },
                new EntityMessageExtractor<ProvisioningTaskProtocol.ITaskCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithShardRegion<ControllerActorKeys.Networks>(
                "network",
                (_, registry) => name => VmNetworkActor.Props(
                    name, registry.Get<ControllerActorKeys.Tasks>(), registry.Get<ControllerActorKeys.Vms>(),
                    registry.Get<ControllerActorKeys.Quotas>(), settings),
                new EntityMessageExtractor<VmNetworkProtocol.INetworkCommand>(settings.Entities.ShardCount),
                Remembered)
            .WithActors((system, registry) =>
            {
                registry.Register<ControllerActorKeys.VmDirectory>(
                    system.ActorOf(ProjectionActor<VmDirectory>.Props(new VmDirectory()), "vm-directory"));
                registry.Register<ControllerActorKeys.TaskDirectory>(
                    system.ActorOf(ProjectionActor<TaskDirectory>.Props(new TaskDirectory()), "task-directory"));
            });
}
