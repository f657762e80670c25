using CloudController.Api.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Offline provisioning: data stored with a VM before it runs, delivered at launch, applied by the guest daemon (a real
/// process), kept up to date while the VM runs, across daemon restarts and migration.
/// </summary>
public class ProvisioningDataEndToEndTests(ITestOutputHelper output)
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx alice@laptop";

    private static Task<VmConfig> AppliedAsync(RunningNode node, string vmId, long generation) =>
        Eventually.Get(async () =>
        {
            var config = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = vmId });
            return config.AppliedGeneration >= generation ? config : null;
        }, $"generation {generation} applied in {vmId}");

    [Fact]
    public async Task Data_given_before_launch_reaches_the_guest_and_every_change_follows_in_order()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        var request = new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" };
        request.Data.Add(new Dictionary<string, string>
        {
            ["hostname"] = "web-01", ["domain"] = "corp.example.com", ["ip"] = "10.0.0.21", ["network.gateway"] = "10.0.0.1",
            ["users"] = "alice,deploy", ["ssh.authorized-keys.alice"] = Key, ["app.db-url"] = "postgres://db-01/app", ["secret.db-password"] = "hunter2",
        });
        var started = await node.Provisioning.ProvisionAsync(request);
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State);
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });

        // The host's channel held the data when the guest first ran.
        var channel = node.Fleet.Inspect(vm.HostId).VmsById[vm.Id].Data!;
        Assert.Equal(1, channel.Generation);
        Assert.Equal("postgres://db-01/app", channel.Values["app.db-url"]);

        using var guest = new GuestAgentProcess();
        guest.WriteData(channel);
        var daemon = guest.StartDaemon(node.Node.Endpoint);
        try
        {
            await AppliedAsync(node, vm.Id, 1);
            Assert.Equal("web-01\n", File.ReadAllText(Path.Combine(guest.Root, "etc/hostname")));
            Assert.Contains("10.0.0.21 web-01.corp.example.com web-01", File.ReadAllText(Path.Combine(guest.Root, "etc/hosts")));
            Assert.Contains("gateway 10.0.0.1", File.ReadAllText(Path.Combine(guest.Root, "etc/network/interfaces.d/cloudcontroller")));
            Assert.Equal(Key + "\n", File.ReadAllText(Path.Combine(guest.Root, "home/alice/.ssh/authorized_keys")));
            Assert.Contains("secret.db-password=hunter2", File.ReadAllText(Path.Combine(guest.Root, "etc/cloudcontroller/data.env")));

            // A change while it runs, and one the guest cannot apply (keys for a user it does not have).
            var set = new SetVmConfigRequest { Id = vm.Id };
            set.Set.Add("app.db-url", "postgres://db-02/app");
            set.Set.Add("ssh.authorized-keys.bob", Key);
            var changed = await node.Vms.SetVmConfigAsync(set);
            Assert.Equal(2, changed.DesiredGeneration);
            var applied = await AppliedAsync(node, vm.Id, 2);
            Assert.Contains("app.db-url=postgres://db-02/app", File.ReadAllText(Path.Combine(guest.Root, "etc/cloudcontroller/data.env")));
            Assert.Equal("user bob is not in users", applied.FailedKeys["ssh.authorized-keys.bob"]);
        }
        finally
        {
            daemon.Dispose();
        }

        // Changes made while the daemon is down wait for it; a restarted daemon resumes after what it applied.
        var whileDown = new SetVmConfigRequest { Id = started.VmId };
        whileDown.Set.Add("users", "alice,bob,deploy");
        whileDown.Remove.Add("app.db-url");
        await node.Vms.SetVmConfigAsync(whileDown);
        var target = node.Fleet.HostIds.First(h => h != vm.HostId);
        var migration = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vm.Id, TargetHostId = target });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(migration.TaskId))[^1].State);
        Assert.Equal(3, node.Fleet.Inspect(target).VmsById[vm.Id].Data!.Generation); // the data moved with the VM

        using var restarted = guest.StartDaemon(node.Node.Endpoint);
        var after = await AppliedAsync(node, vm.Id, 3);
        Assert.Empty(after.FailedKeys);
        Assert.DoesNotContain("app.db-url", File.ReadAllText(Path.Combine(guest.Root, "etc/cloudcontroller/data.env")));
        Assert.True(File.Exists(Path.Combine(guest.Root, "home/bob/.ssh/authorized_keys")));
        Assert.DoesNotContain("applied generation 1", restarted.Output);
    }

    [Fact]
    public async Task Secrets_are_masked_by_default_bad_keys_are_named_and_one_VM_cannot_read_another()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        var a = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "a", Data = { ["secret.api-key"] = "s3cr3t", ["app.mode"] = "blue" } });
        var b = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "b" });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(a.TaskId))[^1].State);
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(b.TaskId))[^1].State);

        var masked = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = a.VmId });
        Assert.Equal("********", masked.Values["secret.api-key"]);
        Assert.Equal("blue", masked.Values["app.mode"]);
        Assert.Equal("s3cr3t", (await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = a.VmId, ShowSecrets = true })).Values["secret.api-key"]);

        var bad = new SetVmConfigRequest { Id = a.VmId };
        bad.Set.Add("hostname", "not a name");
        bad.Set.Add("ip", "10.0.0.999");
        bad.Set.Add("Bad Key", "x");
        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.SetVmConfigAsync(bad));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var field in new[] { "data[hostname]", "data[ip]", "data[Bad Key]" }) Assert.Contains(field, error.Status.Detail);
        Assert.Equal(1, (await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = a.VmId })).DesiredGeneration); // nothing changed

        // B's agent, with B's token, asking for A's data.
        var tokenOfB = node.Fleet.Inspect(node.Fleet.HostIds[0]).VmsById[b.VmId].Data!.Values["guest.token"];
        var channel = new GuestChannel.GuestChannelClient(Grpc.Net.Client.GrpcChannel.ForAddress(node.Node.Endpoint));
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var watch = channel.WatchData(new WatchDataRequest { VmId = a.VmId, Token = tokenOfB });
            await watch.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Bulk_provisioning_gives_each_VM_its_own_name_and_address_never_one_already_in_use()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=4");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(4);
        var taken = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "app-02", Data = { ["ip"] = "10.0.0.11" } });
        Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(taken.TaskId))[^1].State);
        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count == 1, "the first VM listed");

        var bulk = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "app-{n:00}", Count = 5, IpRange = "10.0.0.10-10.0.0.20" });
        Assert.Equal(5, bulk.Vms.Count);
        Assert.Equal(["app-01", "app-03", "app-04", "app-05", "app-06"], bulk.Vms.Select(v => v.Hostname));
        Assert.Equal(["10.0.0.10", "10.0.0.12", "10.0.0.13", "10.0.0.14", "10.0.0.15"], bulk.Vms.Select(v => v.Ip));
        foreach (var vm in bulk.Vms) Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(vm.TaskId))[^1].State);
        var config = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = bulk.Vms[1].VmId });
        Assert.Equal(("app-03", "10.0.0.12"), (config.Values["hostname"], config.Values["ip"]));

        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count == 6, "all six listed");
        var tooMany = await Assert.ThrowsAsync<RpcException>(async () =>
            await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "x", Count = 3, IpRange = "10.0.0.10-10.0.0.12" }));
        Assert.Contains("ip_range", tooMany.Status.Detail);
        Assert.Contains("has 0 addresses no live VM uses, 3 are needed", tooMany.Status.Detail);
    }
}
