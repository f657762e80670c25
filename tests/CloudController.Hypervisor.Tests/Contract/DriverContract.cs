using CloudController.Domain;

namespace CloudController.Hypervisor.Tests.Contract;

/// <summary>
/// The promises every <see cref="IHypervisorDriver"/> makes, written once, as Akka.Persistence.TCK's JournalSpec is
/// for journals: each driver's test class subclasses it with a fleet of its own of at least two hosts. Promises
/// beyond the basics run only where the driver's <see cref="DriverCapabilities"/> offer them.
/// </summary>
public abstract class DriverContract : IAsyncLifetime
{
    protected static readonly CancellationToken None = CancellationToken.None;

    private IHypervisorDriver? driver;

    protected IHypervisorDriver Driver => driver ?? throw new InvalidOperationException("the driver starts in InitializeAsync");

    protected string HostA { get; private set; } = "";

    protected string HostB { get; private set; } = "";

    /// <summary>A driver with at least two hosts, fresh for each test.</summary>
    protected abstract Task<IHypervisorDriver> StartDriverAsync();

    /// <summary>Stops the driver and removes whatever it left on the machine.</summary>
    protected abstract Task StopDriverAsync();

    /// <summary>An image the driver's hosts can make a base layer of.</summary>
    protected abstract string Image { get; }

    /// <summary>What each test VM is given: small enough for several on one host.</summary>
    protected abstract Resources Hardware { get; }

    /// <summary>Waits for a powered-on guest to be up (a real guest boots; a simulated one already is).</summary>
    protected virtual Task GuestUpAsync(string host, string vmId) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        driver = await StartDriverAsync();
        var hosts = await Driver.DiscoverHostsAsync(None);
        (HostA, HostB) = (hosts[0].HostId, hosts[1].HostId);
    }

    public Task DisposeAsync() => StopDriverAsync();

    private VmDefinition Vm(string vmId) => new(vmId, vmId + ".test", Hardware, $"{vmId}-disk");

    private async Task<VmDefinition> RegisterAsync(string host, string vmId)
    {
        await Driver.EnsureBaseLayerAsync(host, new BaseLayerSpec("base", Image, 1), None);
        await Driver.CreateDiskLayerAsync(host, new DiskLayerSpec($"{vmId}-disk", "base", 1), None);
        var vm = Vm(vmId);
        await Driver.RegisterVmAsync(host, vm, None);
        return vm;
    }

    private async Task<VmDefinition> RunningAsync(string host, string vmId)
    {
        var vm = await RegisterAsync(host, vmId);
        await Driver.PowerOnAsync(host, vmId, None);
        await GuestUpAsync(host, vmId);
        return vm;
    }

    private async Task<VmPowerState?> PowerStateAsync(string host, string vmId) => (await Driver.GetVmAsync(host, vmId, None))?.PowerState;

    /// <summary>
    /// A refusal is a <see cref="HypervisorException"/> naming its operation and host (one of <paramref name="hosts"/>:
    /// an operation on two hosts names the one that refused), with a reason that names the VM.
    /// </summary>
    private static async Task RefusedAsync(DriverOperation op, string[] hosts, string mentions, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HypervisorException>(call);
        Assert.Equal(op, refused.Operation);
        Assert.Contains(refused.HostId, hosts);
        Assert.Contains(mentions, refused.Reason);
    }

    private static Task RefusedAsync(DriverOperation op, string host, string mentions, Func<Task> call) => RefusedAsync(op, [host], mentions, call);

    private void Need(DriverCapabilities capabilities) =>
        Skip.If((Driver.Capabilities & capabilities) != capabilities, $"{Driver.Name} does not offer {capabilities}");

    [SkippableFact]
    public async Task Creating_what_exists_and_removing_what_is_gone_succeed()
    {
        await RegisterAsync(HostA, "vm");
        await RegisterAsync(HostA, "vm");
        await Driver.PowerOnAsync(HostA, "vm", None);
        await Driver.PowerOnAsync(HostA, "vm", None);
        await GuestUpAsync(HostA, "vm");
        Assert.Equal(VmPowerState.Running, await PowerStateAsync(HostA, "vm"));

        await Driver.PowerOffAsync(HostA, "vm", None);
        await Driver.PowerOffAsync(HostA, "vm", None);
        await Driver.UnregisterVmAsync(HostA, "vm", None);
        await Driver.UnregisterVmAsync(HostA, "vm", None);
        await Driver.DeleteDiskLayerAsync(HostA, "vm-disk", None);
        await Driver.DeleteDiskLayerAsync(HostA, "vm-disk", None);
        await Driver.PowerOffAsync(HostA, "never-existed", None);
        Assert.Null(await Driver.GetVmAsync(HostA, "vm", None));
    }

    [SkippableFact]
    public async Task A_conflict_is_refused_naming_the_operation_host_and_VM_and_changes_nothing()
    {
        var vm = await RunningAsync(HostA, "vm");

        await RefusedAsync(DriverOperation.RegisterVm, HostA, "vm", () => Driver.RegisterVmAsync(HostA, vm with { Hostname = "other.test" }, None));
        await RefusedAsync(DriverOperation.UnregisterVm, HostA, "vm", () => Driver.UnregisterVmAsync(HostA, "vm", None));
        await RefusedAsync(DriverOperation.DeleteDiskLayer, HostA, "vm", () => Driver.DeleteDiskLayerAsync(HostA, "vm-disk", None));
        await RefusedAsync(DriverOperation.PowerOn, HostA, "ghost", () => Driver.PowerOnAsync(HostA, "ghost", None));

        var report = await Driver.GetVmAsync(HostA, "vm", None);
        Assert.Equal(vm, report!.Definition);
        Assert.Equal(VmPowerState.Running, report.PowerState);
        await Driver.PowerOffAsync(HostA, "vm", None);
    }

    [SkippableFact]
    public async Task A_parent_is_protected_while_it_has_children_and_each_child_is_itself()
    {
        Need(DriverCapabilities.Suspend | DriverCapabilities.Fork);
        await RunningAsync(HostA, "parent");
        await Driver.SuspendAsync(HostA, "parent", None);
        var child = Vm("child");
        await Driver.ForkAsync(HostA, "parent", child, new ForkOptions(), None);
        await Driver.ForkAsync(HostA, "parent", child, new ForkOptions(), None);

        var report = await Driver.GetVmAsync(HostA, "child", None);
        Assert.Equal(child, report!.Definition);
        Assert.Equal(VmPowerState.Running, report.PowerState);
        await RefusedAsync(DriverOperation.Fork, HostA, "child", () => Driver.ForkAsync(HostA, "parent", child with { Hostname = "other.test" }, new ForkOptions(), None));
        await RefusedAsync(DriverOperation.Fork, HostA, "parent's memory",
            () => Driver.ForkAsync(HostA, "parent", Vm("small") with { Hardware = Hardware with { MemoryMib = Hardware.MemoryMib / 2 } }, new ForkOptions(), None));
        await RefusedAsync(DriverOperation.Resume, HostA, "forked children", () => Driver.ResumeAsync(HostA, "parent", None));
        await RefusedAsync(DriverOperation.PowerOff, HostA, "forked children", () => Driver.PowerOffAsync(HostA, "parent", None));
        await RefusedAsync(DriverOperation.UnregisterVm, HostA, "forked children", () => Driver.UnregisterVmAsync(HostA, "parent", None));
        await RefusedAsync(DriverOperation.DeleteDiskLayer, HostA, "parent", () => Driver.DeleteDiskLayerAsync(HostA, "parent-disk", None));
        Assert.Equal(VmPowerState.Suspended, await PowerStateAsync(HostA, "parent"));

        await Driver.PowerOffAsync(HostA, "child", None);
        await Driver.UnregisterVmAsync(HostA, "child", None);
        await Driver.DeleteDiskLayerAsync(HostA, "child-disk", None);
        await Driver.ResumeAsync(HostA, "parent", None);
        Assert.Equal(VmPowerState.Running, await PowerStateAsync(HostA, "parent"));
        await Driver.PowerOffAsync(HostA, "parent", None);
    }

    [SkippableFact]
    public async Task A_migration_rolls_back_at_each_step_before_switch_over_and_completes_after_it()
    {
        await RunningAsync(HostA, "mover");
        var first = new MigrationPlan("mig-1", "mover", HostA, HostB, Live: true);
        // Cancelled before anything was prepared, and after prepare (each twice): the source runs on, the target holds nothing.
        await Driver.CancelMigrationAsync(first, None);
        await Driver.PrepareMigrationAsync(first, None);
        await Driver.PrepareMigrationAsync(first, None);
        await Driver.CancelMigrationAsync(first, None);
        await Driver.CancelMigrationAsync(first, None);
        Assert.Equal(VmPowerState.Running, await PowerStateAsync(HostA, "mover"));
        Assert.Null(await Driver.GetVmAsync(HostB, "mover", None));

        var second = first with { MigrationId = "mig-2" };
        await Driver.PrepareMigrationAsync(second, None);
        await Driver.SwitchOverAsync(second, None);
        await Driver.SwitchOverAsync(second, None);
        await RefusedAsync(DriverOperation.CancelMigration, [HostA, HostB], "mover", () => Driver.CancelMigrationAsync(second, None));
        await Driver.CompleteMigrationAsync(second, None);
        await Driver.CompleteMigrationAsync(second, None);
        Assert.Null(await Driver.GetVmAsync(HostA, "mover", None));
        Assert.Equal(VmPowerState.Running, await PowerStateAsync(HostB, "mover"));
        await Driver.PowerOffAsync(HostB, "mover", None);
    }

    [SkippableFact]
    public async Task A_destroyed_VM_leaves_nothing_running_or_counted_on_its_host()
    {
        await RunningAsync(HostA, "gone");
        Assert.Equal(1, (await Driver.QueryHostStatusAsync(HostA, None)).RunningVms);

        await Driver.PowerOffAsync(HostA, "gone", None);
        await Driver.UnregisterVmAsync(HostA, "gone", None);
        await Driver.DeleteDiskLayerAsync(HostA, "gone-disk", None);
        await Driver.DeleteDiskLayerAsync(HostA, "base", None);

        Assert.Null(await Driver.GetVmAsync(HostA, "gone", None));
        Assert.Equal(0, (await Driver.QueryHostStatusAsync(HostA, None)).RunningVms);
        // The layers went with it: a new VM of the same id starts from nothing.
        await RefusedAsync(DriverOperation.RegisterVm, HostA, "gone-disk", () => Driver.RegisterVmAsync(HostA, Vm("gone"), None));
    }
}
