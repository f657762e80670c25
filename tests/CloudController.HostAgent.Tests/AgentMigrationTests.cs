using CloudController.Domain;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;

namespace CloudController.HostAgent.Tests;

/// <summary>
/// A running guest migrated live, and a suspended one copied, between two cc-hostd agents on QEMU: the node's driver
/// orders the halves, and the guest's memory and disk go from one agent's machine to the other's over TCP on a
/// migration address.
/// </summary>
public sealed class AgentMigrationTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();
    private readonly string _runtime = Path.Combine(Path.GetTempPath(), "cc-hm-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Agents hv-a and hv-b on QEMU (TCG), each with the test guest as its image, migrating over loopback.</summary>
    private async Task<Dictionary<string, QemuDriver>> StartQemuAgentsAsync(params string[] settings)
    {
        var servers = new Dictionary<string, QemuDriver>();
        foreach (var name in new[] { "hv-a", "hv-b" })
        {
            await TinyGuest.BuildAsync(Path.Combine(_agents.StateDirOf(name), "images"));
            var (_, server) = await _agents.StartAsync(name, settings:
            [
                "cloudcontroller.driver.kind=qemu", "cloudcontroller.driver.qemu.accelerator=tcg",
                $"cloudcontroller.driver.qemu.runtime-directory={_runtime}", "cloudcontroller.driver.qemu.migration-address=127.0.0.1",
                .. settings,
            ]);
            servers[name] = (QemuDriver)server.Driver;
        }
        return servers;
    }

    public async Task DisposeAsync()
    {
        await _agents.DisposeAsync();
        if (Directory.Exists(_runtime)) Directory.Delete(_runtime, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_running_guest_moves_live_to_another_agent_with_its_local_disk_mirrored_or_over_a_shared_datastore(bool sharedStorage)
    {
        var ct = CancellationToken.None;
        // Both machines mount the same shared datastore, named in each agent's configuration.
        var shared = Directory.CreateDirectory(Path.Combine(_runtime, "shared")).FullName;
        var servers = await StartQemuAgentsAsync($"cloudcontroller.host-agent.datastores.shared={shared}");
        using var driver = new AgentDriver(_agents.Directory());
        await driver.DiscoverHostsAsync(ct);
        await driver.EnsureBaseLayerAsync("hv-a", new BaseLayerSpec("base-tiny", TinyGuest.Image, 1, sharedStorage), ct);
        await driver.CreateDiskLayerAsync("hv-a", new DiskLayerSpec("mover-disk", "base-tiny", 1, sharedStorage ? "shared" : null), ct);
        await driver.RegisterVmAsync("hv-a", new VmDefinition("mover", "mover.test", new Resources(1, 128, 1), "mover-disk"), ct);
        await driver.PowerOnAsync("hv-a", "mover", ct);
        Assert.Single(servers["hv-a"].RunningProcessIds());

        var plan = new MigrationPlan("mig-agents", "mover", "hv-a", "hv-b", Live: true);
        await driver.PrepareMigrationAsync(plan, ct);
        await driver.SwitchOverAsync(plan, ct);
        await driver.CompleteMigrationAsync(plan, ct);

        Assert.Null(await driver.GetVmAsync("hv-a", "mover", ct));
        Assert.Empty(servers["hv-a"].RunningProcessIds());
        Assert.Equal(VmPowerState.Running, (await driver.GetVmAsync("hv-b", "mover", ct))?.PowerState);
        var target = servers["hv-b"];
        await driver.SetGuestDataAsync("hv-b", "mover", GuestData.Of(2, [new("hostname", "arrived.test")]), ct);
        string Console() => File.Exists(target.Paths.Console("hv-b", "mover")) ? File.ReadAllText(target.Paths.Console("hv-b", "mover")) : "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Console().Contains("arrived.test") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains("arrived.test", Console());
        Assert.DoesNotContain("cc-guest: booted", Console());
        Assert.True(File.Exists(target.Layer("hv-b", "mover-disk")!.File));
        // Over the datastore, the target opens the very file the source wrote, where the machines mount it.
        Assert.Equal(sharedStorage, target.Layer("hv-b", "mover-disk")!.File.StartsWith(shared + "/", StringComparison.Ordinal));
        await driver.PowerOffAsync("hv-b", "mover", ct);
    }

    [Fact]
    public async Task A_suspended_guest_is_copied_to_another_agent_and_resumes_there_without_a_boot()
    {
        var ct = CancellationToken.None;
        var servers = await StartQemuAgentsAsync();
        using var driver = new AgentDriver(_agents.Directory());
        await driver.DiscoverHostsAsync(ct);
        await driver.EnsureBaseLayerAsync("hv-a", new BaseLayerSpec("base-tiny", TinyGuest.Image, 1), ct);
        await driver.CreateDiskLayerAsync("hv-a", new DiskLayerSpec("tmpl-disk", "base-tiny", 1), ct);
        await driver.RegisterVmAsync("hv-a", new VmDefinition("tmpl", "tmpl.test", new Resources(1, 128, 1), "tmpl-disk"), ct);
        await driver.PowerOnAsync("hv-a", "tmpl", ct);
        await driver.SuspendAsync("hv-a", "tmpl", ct);

        await driver.CloneSuspendedAsync("hv-a", "tmpl", "hv-b", new VmDefinition("copy", "copy.test", new Resources(1, 128, 1), "copy-disk"), ct);

        Assert.Equal(VmPowerState.Suspended, (await driver.GetVmAsync("hv-a", "tmpl", ct))?.PowerState);
        await driver.ResumeAsync("hv-b", "copy", ct);
        Assert.Single(servers["hv-b"].RunningProcessIds());
        await driver.SetGuestDataAsync("hv-b", "copy", GuestData.Of(2, [new("hostname", "copied.test")]), ct);
        var target = servers["hv-b"];
        string Console() => File.Exists(target.Paths.Console("hv-b", "copy")) ? File.ReadAllText(target.Paths.Console("hv-b", "copy")) : "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Console().Contains("copied.test") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains("copied.test", Console());
        Assert.DoesNotContain("cc-guest: booted", Console());
        await driver.PowerOffAsync("hv-b", "copy", ct);
    }

    [Fact]
    public async Task A_migration_between_agents_whose_driver_cannot_is_refused_naming_the_fix()
    {
        await _agents.StartAsync("hv-a", hosts: 1);
        await _agents.StartAsync("hv-b", hosts: 1);
        using var driver = new AgentDriver(_agents.Directory());
        var ct = CancellationToken.None;
        await driver.DiscoverHostsAsync(ct);
        var refused = await Assert.ThrowsAsync<HypervisorException>(() =>
            driver.PrepareMigrationAsync(new MigrationPlan("m", "web-1", "hv-a-01", "hv-b-01", Live: true), ct));
        Assert.Contains("cannot migrate to or from another machine; use the QEMU driver on both machines", refused.Message);
    }
}
