using CloudController.Domain;
using CloudController.Hypervisor.Tests.Qemu;

namespace CloudController.Hypervisor.Tests.Contract;

/// <summary>The driver contract on real QEMU (TCG here), with the tiny guest; in the QEMU tests' collection, so guests do not compete.</summary>
[Collection("qemu")]
public sealed class QemuDriverContract : DriverContract
{
    private QemuFleet? fleet;

    protected override async Task<IHypervisorDriver> StartDriverAsync()
    {
        fleet = await QemuFleet.StartAsync();
        return fleet.Driver;
    }

    protected override async Task StopDriverAsync()
    {
        if (fleet is not null) await fleet.DisposeAsync();
    }

    protected override string Image => TinyGuest.Image;

    protected override Resources Hardware => QemuFleet.Guest;

    protected override Task GuestUpAsync(string host, string vmId) => fleet!.WaitForBootAsync(host, vmId);
}
