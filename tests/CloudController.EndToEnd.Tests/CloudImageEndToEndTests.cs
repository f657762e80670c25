using System.Diagnostics;
using CloudController.Api.V1;
using CloudController.Hypervisor.Qemu;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A standard cloud image on real QEMU: a Debian bookworm guest with cloud-init and cc-agent's package, provisioned
/// through the unchanged pipeline. cloud-init takes the VM's data from its NoCloud seed at first boot; cc-agent then
/// applies a change made while the VM runs and acknowledges it, without a reboot.
/// </summary>
[Collection("qemu")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CloudImageEndToEndTests(ITestOutputHelper output)
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpEn0hB7nYfSg2mCWqj5aMi8YXB3dqQMIIXWMrKTBhK alice@laptop";

    [Fact]
    public async Task A_Debian_cloud_image_gets_its_data_from_cloud_init_at_first_boot_and_later_changes_from_cc_agent_without_a_reboot()
    {
        var watch = Stopwatch.StartNew();
        var images = Path.Combine(Path.GetTempPath(), "cc-cloud-images-" + Guid.NewGuid().ToString("N")[..8]);
        await DebianCloudImage.LinkAsync(images, "debian-12", output.WriteLine);
        output.WriteLine($"image ready after {watch.Elapsed.TotalSeconds:0} s");
        var runtime = Path.Combine(Path.GetTempPath(), "cc-run-" + Guid.NewGuid().ToString("N")[..8]);
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.kind=qemu",
            $"cloudcontroller.driver.qemu.images={images}",
            $"cloudcontroller.driver.qemu.runtime-directory={runtime}",
            "cloudcontroller.driver.qemu.kernel-command-line=\"console=ttyS0 root=/dev/vda rw\"",
            "cloudcontroller.driver.qemu.hosts.qemu-1.memory-mib=8192");
        var driver = Assert.IsType<QemuDriver>(node.Node.Driver);
        try
        {
            await node.Catalog.AddModelAsync(new AddModelRequest
            {
                Name = "debian", Os = "debian-12", DiskImage = "debian-12", ServicePack = "12",
                Hardware = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 4 },
                Minimum = new Resources { CpuCores = 1, MemoryMib = 512, DiskGib = 2 },
            });
            await node.WaitForHostsAsync(1);

            // The guest reaches the controller through QEMU's user network: 10.0.2.2 is the host's loopback.
            var port = node.Node.Endpoint.Port;
            var request = new ProvisionRequest { Model = "debian", Hostname = "web-01" };
            request.Data.Add("hostname", "web-01");
            request.Data.Add("users", "alice");
            request.Data.Add("users.alice.password", "correct horse");
            request.Data.Add("ssh.authorized-keys.alice", Key);
            request.Data.Add("ip", "10.0.2.15");
            request.Data.Add("network.prefix", "24");
            request.Data.Add("network.gateway", "10.0.2.2");
            request.Data.Add("app.color", "blue");
            request.Data.Add("controller.endpoint", $"http://10.0.2.2:{port}");
            var started = await node.Provisioning.ProvisionAsync(request);
            var last = (await node.WatchToEndAsync(started.TaskId))[^1];
            Assert.True(last.State == TaskState.Succeeded, $"{last.State}: {last.Error}");

            var console = driver.Paths.Console("qemu-1", started.VmId);
            string Console() => File.Exists(console) ? File.ReadAllText(console) : "";
            async Task<string> Line(string prefix, string what)
            {
                var line = await Eventually.Get(() => Task.FromResult(Console().Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))),
                    what, TimeSpan.FromMinutes(6));
                output.WriteLine($"{watch.Elapsed.TotalSeconds:0} s: {line}");
                return line;
            }
            try
            {
                Assert.Equal("cc-report: status: done", await Line("cc-report: status", "cloud-init to finish"));
                Assert.Equal("cc-report: hostname web-01", await Line("cc-report: hostname", "the host name"));
                var shadow = await Line("cc-report: shadow alice:", "alice in /etc/shadow");
                Assert.StartsWith("cc-report: shadow alice:$6$", shadow);
                Assert.DoesNotContain("correct horse", Console());
                Assert.Equal($"cc-report: keys alice {Key}|", await Line("cc-report: keys alice", "alice's authorized keys"));
                Assert.Equal("cc-report: address 10.0.2.15/24", await Line("cc-report: address", "the address"));
                Assert.Contains("app.color=blue|", await Line("cc-report: app", "the app key"));

                // A change while the VM runs: cc-agent applies it from the host's channel and acknowledges it.
                var changed = await node.Vms.SetVmConfigAsync(new SetVmConfigRequest { Id = started.VmId, Set = { ["app.color"] = "green" } });
                var applied = await Eventually.Get(async () =>
                    await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = started.VmId }) is { } c && c.AppliedGeneration == changed.DesiredGeneration ? c : null,
                    "the guest to acknowledge the new generation", TimeSpan.FromMinutes(2));
                Assert.Empty(applied.FailedKeys);
                await Eventually.Get(() => Task.FromResult(Console().Contains("app.color=green|") ? "" : null), "the new app key in the guest", TimeSpan.FromMinutes(1));
                Assert.Contains($"applied generation {changed.DesiredGeneration}", Console());
                Assert.Single(Console().Split('\n'), l => l.StartsWith("cc-report: status", StringComparison.Ordinal));
                output.WriteLine($"whole test: {watch.Elapsed.TotalSeconds:0} s");
            }
            finally
            {
                output.WriteLine("---- console ----\n" + Console());
            }
        }
        finally
        {
            await driver.KillAllAsync();
            Directory.Delete(images, recursive: true);
            Directory.Delete(runtime, recursive: true);
        }
    }
}
