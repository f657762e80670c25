using CloudController.Cluster.Hosting;
using CloudController.Domain.Vms;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Vms;

/// <summary>
/// Puts a VM's provisioning data into its host's channel to the guest: at launch, and again on every change while it
/// runs. What goes in is the data plus what the guest agent needs to reach the controller for itself: the VM's id and
/// its channel token (derived, never stored).
/// </summary>
public sealed class GuestChannel(IHypervisorDriver driver, ControllerSecrets secrets)
{
    public const string VmIdKey = "guest.vm-id";
    public const string TokenKey = "guest.token";

    public GuestData For(VmRecord vm) => GuestData.Of(vm.DataOrEmpty.Generation, vm.DataOrEmpty.Values
        .Append(KeyValuePair.Create(VmIdKey, vm.VmId))
        .Append(KeyValuePair.Create(TokenKey, secrets.GuestTokenFor(vm.VmId))));

    public Task PushAsync(string hostId, VmRecord vm, CancellationToken ct) => driver.SetGuestDataAsync(hostId, vm.VmId, For(vm), ct);

    public bool Admits(string vmId, string token) => secrets.IsGuestToken(vmId, token);
}
