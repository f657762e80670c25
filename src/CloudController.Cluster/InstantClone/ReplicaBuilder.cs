using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Disks;
using CloudController.Domain.InstantClone;
using CloudController.Hypervisor;
using HostProtocol = CloudController.Cluster.Hosts.HostProtocol;

namespace CloudController.Cluster.InstantClone;

/// <summary>
/// Makes a template's replica on a host, and takes one apart: capacity allocated on the host's ledger, the model's
/// base image and a disk layer over it, the VM registered and booted, the parent customizations applied (rebooting
/// as they need), then quiesced into the forked state. Every step is idempotent, so a maker that crashed repeats them.
/// </summary>
public sealed class ReplicaBuilder(IHypervisorDriver driver, IActorRef hosts, ControllerSettings settings)
{
    public static string BaseLayerId(ForkTemplate template, string hostId) => DiskPlan.CachedId(template.DiskImage, hostId);

    public static string DiskLayerId(string replicaVmId) => $"{replicaVmId}-disk";

    public async Task BuildAsync(ForkTemplate template, Replica replica, CancellationToken ct)
    {
        var host = replica.HostId;
        var reply = await hosts.Ask<object>(
            new HostProtocol.AllocateMany(host, $"template:{template.Name}", [replica.VmId], template.ReplicaCost), settings.Entities.AskTimeout, ct);
        if (reply is HostProtocol.HostRefused refused) throw new HypervisorException(DriverOperation.RegisterVm, host, refused.Reason);

        await driver.EnsureBaseLayerAsync(host, new BaseLayerSpec(BaseLayerId(template, host), template.DiskImage, template.DiskImageGib), ct);
        await driver.CreateDiskLayerAsync(host, new DiskLayerSpec(DiskLayerId(replica.VmId), BaseLayerId(template, host), template.Hardware.DiskGib), ct);
        var vm = await driver.GetVmAsync(host, replica.VmId, ct);
        if (vm?.PowerState == VmPowerState.Suspended) return; // quiesced already: the last step was done before a crash
        await driver.RegisterVmAsync(host, new VmDefinition(replica.VmId, replica.VmId, template.Hardware, DiskLayerId(replica.VmId)), ct);
        await driver.PowerOnAsync(host, replica.VmId, ct);
        foreach (var customization in template.Customizations)
        {
            await driver.CustomizeGuestAsync(host, replica.VmId, new GuestCustomization(customization.Name, customization.Reboots, customization.Detail), ct);
        }
        await driver.SuspendAsync(host, replica.VmId, ct);
    }

    /// <summary>Removes whatever of the replica exists; the host refuses while forked children share it.</summary>
    public async Task TearDownAsync(Replica replica, CancellationToken ct)
    {
        var host = replica.HostId;
        var vm = await driver.GetVmAsync(host, replica.VmId, ct);
        if (vm is not null)
        {
            // Powering off a suspended VM discards its saved state, which is what removing a replica means.
            await driver.PowerOffAsync(host, replica.VmId, ct);
            await driver.UnregisterVmAsync(host, replica.VmId, ct);
        }
        await driver.DeleteDiskLayerAsync(host, DiskLayerId(replica.VmId), ct);
        await hosts.Ask<object>(new HostProtocol.ReleaseMany(host, [replica.VmId]), settings.Entities.AskTimeout, ct);
    }
}
