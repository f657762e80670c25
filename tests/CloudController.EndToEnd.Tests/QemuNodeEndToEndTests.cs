using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// The node with <c>driver.kind = qemu</c>, configured as an operator would: the same provisioning pipeline, unchanged,
/// puts a real QEMU guest on the host and rolls nothing back.
/// </summary>
[Collection("qemu")]
public class QemuNodeEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_VM_provisioned_through_gRPC_runs_under_QEMU_and_its_guest_receives_its_data()
    {
        var images = Path.Combine(Path.GetTempPath(), "cc-qemu-images-" + Guid.NewGuid().ToString("N")[..8]);
        await TinyGuest.BuildAsync(images, "ubuntu-24.04-server");
        var runtime = Path.Combine(Path.GetTempPath(), "cc-run-" + Guid.NewGuid().ToString("N")[..8]);
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.kind=qemu",
            $"cloudcontroller.driver.qemu.images={images}",
            $"cloudcontroller.driver.qemu.runtime-directory={runtime}",
            "cloudcontroller.driver.qemu.hosts.qemu-1.memory-mib=8192");
        var driver = Assert.IsType<QemuDriver>(node.Node.Driver);
        try
        {
            await node.AddUbuntuModelAsync(memoryMib: 1024);
            await node.WaitForHostsAsync(1);

            var request = new ProvisionRequest { Model = "ubuntu", Hostname = "qemu-web-01" };
            request.Data.Add("hostname", "qemu-web-01");
            request.Data.Add("ssh.authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbc operator@example");
            var started = await node.Provisioning.ProvisionAsync(request);
            var last = (await node.WatchToEndAsync(started.TaskId))[^1];
            Assert.True(last.State == TaskState.Succeeded, $"{last.State}: {last.Error}");
            Assert.Equal("qemu-1", last.HostId);

            var onHost = await driver.GetVmAsync("qemu-1", started.VmId, CancellationToken.None);
            Assert.Equal(VmPowerState.Running, onHost!.PowerState);
            var console = driver.Paths.Console("qemu-1", started.VmId);
            await Eventually.Get(() => Task.FromResult(File.Exists(console) && File.ReadAllText(console).Contains("\"hostname\":\"qemu-web-01\"") ? "" : null),
                "the guest to print the hostname it received on its channel", TimeSpan.FromSeconds(90));
            Assert.Contains("guest.token", File.ReadAllText(console));

            await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = started.VmId });
            await Eventually.Get(async () => await driver.GetVmAsync("qemu-1", started.VmId, CancellationToken.None) is null ? "" : null,
                "the VM to be gone from the host", TimeSpan.FromSeconds(60));
            var left = driver.Paths.Vm("qemu-1", started.VmId); Assert.False(Directory.Exists(left), Directory.Exists(left) ? string.Join(",", Directory.GetFileSystemEntries(left, "*", SearchOption.AllDirectories)) : "");
        }
        finally
        {
            await driver.KillAllAsync();
            Directory.Delete(images, recursive: true);
            Directory.Delete(runtime, recursive: true);
        }
    }
}
