using CloudController.Hypervisor.Qemu;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// The QEMU driver on real QEMU (TCG here): layered qcow2 disks, boot with guest data, suspend and resume in a new
/// process, fork with identity and no reboot, migration with rollback, promotion and checkpoints. One collection,
/// so QEMU guests do not compete with each other for the CI machine's two cores.
/// </summary>
[Collection("qemu")]
public sealed class QemuDriverTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Layers_form_a_qcow2_chain_in_each_layout_and_a_layer_in_use_cannot_be_deleted()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        var img = new QemuImg();
        await d.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-copied", TinyGuest.Image, 1), Ct);
        await d.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-linked", TinyGuest.Image, 1, Shared: true), Ct);
        await d.CreateDiskLayerAsync(HostA, new DiskLayerSpec("inner", "base-linked", 1), Ct);
        await d.CreateDiskLayerAsync(HostA, new DiskLayerSpec("top", "inner", 2, Datastore: "ds1"), Ct);

        Assert.Null((await img.InfoAsync(d.Layer(HostA, "base-copied")!.File, Ct)).BackingFile);
        Assert.True(new FileInfo(d.Layer(HostA, "base-linked")!.File).LinkTarget is not null, "a shared base is linked, not copied");
        Assert.Equal(d.Layer(HostA, "inner")!.File, (await img.InfoAsync(d.Layer(HostA, "top")!.File, Ct)).BackingFile);
        Assert.StartsWith(d.Paths.Datastore("ds1"), d.Layer(HostA, "top")!.File);
        Assert.Equal(2L << 30, (await img.InfoAsync(d.Layer(HostA, "top")!.File, Ct)).VirtualSizeBytes);

        await d.RegisterVmAsync(HostA, new VmDefinition("vm1", "vm1", Guest, "top"), Ct);
        // A VM's record holds its provisioning data: no other user may read it, not even between creation and a chmod.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Paths.VmRecord(HostA, "vm1")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Paths.LayerRecord(HostA, "top")));
        }
        var inUse = await Assert.ThrowsAsync<HypervisorException>(() => d.DeleteDiskLayerAsync(HostA, "top", Ct));
        Assert.Contains("disk of VM vm1", inUse.Message);
        var parent = await Assert.ThrowsAsync<HypervisorException>(() => d.DeleteDiskLayerAsync(HostA, "inner", Ct));
        Assert.Contains("parent of layer top", parent.Message);

        await d.UnregisterVmAsync(HostA, "vm1", Ct);
        await d.DeleteDiskLayerAsync(HostA, "top", Ct);
        await d.DeleteDiskLayerAsync(HostA, "inner", Ct);
        await d.DeleteDiskLayerAsync(HostA, "base-linked", Ct);
        await d.DeleteDiskLayerAsync(HostA, "base-linked", Ct);
        Assert.True(File.Exists(Path.Combine(fleet.Root, "images", "tiny.qcow2")), "deleting a linked base leaves the image");
        Assert.Empty(Directory.GetFiles(d.Paths.Datastore("ds1")));
    }

    [Fact]
    public async Task A_missing_image_and_an_unsafe_id_are_refused_with_what_to_do()
    {
        await using var fleet = await StartAsync();
        var missing = await Assert.ThrowsAsync<HypervisorException>(() =>
            fleet.Driver.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-x", "no-such-image", 1), Ct));
        Assert.Contains("put no-such-image.qcow2 there", missing.Message);
        var unsafeId = await Assert.ThrowsAsync<HypervisorException>(() =>
            fleet.Driver.CreateDiskLayerAsync(HostA, new DiskLayerSpec("../escape", "base-x", 1), Ct));
        Assert.Contains("not a plain name", unsafeId.Message);
    }

    [Fact]
    public async Task A_booted_guest_reads_its_data_from_its_channel_and_sees_updates_while_it_runs()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "web1");
        await d.SetGuestDataAsync(HostA, "web1", Identity(1, "web1.example"), Ct);
        await d.PowerOnAsync(HostA, "web1", Ct);
        await fleet.WaitForHostnameAsync(HostA, "web1", "web1.example");

        await d.SetGuestDataAsync(HostA, "web1", Identity(2, "web1-renamed.example"), Ct);
        await d.SetGuestDataAsync(HostA, "web1", Identity(1, "stale.example"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "web1", "web1-renamed.example");
        Assert.DoesNotContain(fleet.GuestLines(HostA, "web1"), l => l.Contains("stale.example"));
        Assert.Equal(VmPowerState.Running, (await d.GetVmAsync(HostA, "web1", Ct))!.PowerState);

        var status = await d.QueryHostStatusAsync(HostA, Ct);
        Assert.Equal(1, status.RunningVms);
        Assert.True(status.FreeMemoryMib <= 4096 - 128, "a running guest's memory is taken from the host's capacity");

        await d.PowerOffAsync(HostA, "web1", Ct);
        await d.UnregisterVmAsync(HostA, "web1", Ct);
        Assert.Empty(d.RunningProcessIds());
        Assert.Null(await d.GetVmAsync(HostA, "web1", Ct));
    }

    [Fact]
    public async Task A_suspended_guest_resumes_in_a_new_process_where_it_left_off_without_booting()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "app1");
        var before = d.ProcessId(HostA, "app1");

        await d.SuspendAsync(HostA, "app1", Ct);
        Assert.Equal(VmPowerState.Suspended, (await d.GetVmAsync(HostA, "app1", Ct))!.PowerState);
        Assert.True(File.Exists(d.Paths.SavedState(HostA, "app1")));
        Assert.Empty(d.RunningProcessIds());

        await d.ResumeAsync(HostA, "app1", Ct);
        Assert.NotEqual(before, d.ProcessId(HostA, "app1"));
        await d.SetGuestDataAsync(HostA, "app1", Identity(1, "after-resume"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "app1", "after-resume");
        Assert.Equal(1, fleet.Boots(HostA, "app1"));
        await d.PowerOffAsync(HostA, "app1", Ct);
    }

    [Fact]
    public async Task Forked_children_run_from_the_parents_memory_each_with_its_own_identity_and_no_reboot()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "parent");
        await d.SetGuestDataAsync(HostA, "parent", Identity(1, "parent.example"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "parent", "parent.example");
        await d.SuspendAsync(HostA, "parent", Ct);

        for (var i = 1; i <= 3; i++)
        {
            var child = new VmDefinition($"child{i}", $"child{i}", Guest, $"child{i}-disk");
            await d.ForkAsync(HostA, "parent", child, new ForkOptions(Persistent: i == 2, Data: Identity(1, $"child{i}.example")), Ct);
        }
        for (var i = 1; i <= 3; i++)
        {
            await fleet.WaitForHostnameAsync(HostA, $"child{i}", $"child{i}.example");
            Assert.Equal(0, fleet.Boots(HostA, $"child{i}"));
            Assert.Equal(0, d.Vm(HostA, $"child{i}")!.Reboots);
            Assert.DoesNotContain(fleet.GuestLines(HostA, $"child{i}"), l => l.Contains("parent.example"));
        }
        // What fork promises: each child maps its parent's memory file and shares the pages it read of it with the
        // others, so its proportional share of that mapping is well below what it holds of it, and far below its size.
        var memoryFile = d.Vm(HostA, "parent")!.MemoryFile!;
        for (var i = 1; i <= 3; i++)
        {
            var smaps = File.ReadAllText($"/proc/{d.ProcessId(HostA, $"child{i}")}/smaps");
            var (size, rss, pss, shared) = (MachineReadings.MappingKib(smaps, memoryFile, "Size"), MachineReadings.MappingKib(smaps, memoryFile, "Rss"),
                MachineReadings.MappingKib(smaps, memoryFile, "Pss"),
                // The parent wrote the file through its shared mapping, so its pages may still be dirty in the page cache.
                MachineReadings.MappingKib(smaps, memoryFile, "Shared_Clean") + MachineReadings.MappingKib(smaps, memoryFile, "Shared_Dirty"));
            Assert.True(shared > 0 && pss * 2 < rss && pss * 4 < size,
                $"child{i} shares its parent's memory file: size {size} KiB, RSS {rss} KiB, PSS {pss} KiB, shared {shared} KiB");
        }

        // The parent is the children's memory and disk: it cannot run or go while they depend on it.
        Assert.Contains("parent of 3 forked children", (await Assert.ThrowsAsync<HypervisorException>(() => d.ResumeAsync(HostA, "parent", Ct))).Message);
        await Assert.ThrowsAsync<HypervisorException>(() => d.UnregisterVmAsync(HostA, "parent", Ct));
        await Assert.ThrowsAsync<HypervisorException>(() => d.PrepareMigrationAsync(new MigrationPlan("m1", "child1", HostA, HostB, true), Ct));

        // A non-persistent child powered off goes back to the forked state, and starts from it again, still without booting.
        await d.PowerOffAsync(HostA, "child3", Ct);
        await d.PowerOnAsync(HostA, "child3", Ct);
        await fleet.WaitForAsync(HostA, "child3", l => l.Count(x => x.Contains("child3.example")) >= 2, "identity after restart");
        Assert.Equal(0, fleet.Boots(HostA, "child3"));
        // A persistent child keeps what it wrote, which its parent's memory does not know: powered off, it boots next time.
        await d.PowerOffAsync(HostA, "child2", Ct);
        await d.PowerOnAsync(HostA, "child2", Ct);
        await fleet.WaitForBootAsync(HostA, "child2");
        Assert.Equal(1, fleet.Boots(HostA, "child2"));

        foreach (var child in new[] { "child1", "child2", "child3" })
        {
            await d.PowerOffAsync(HostA, child, Ct);
            await d.UnregisterVmAsync(HostA, child, Ct);
            await d.DeleteDiskLayerAsync(HostA, $"{child}-disk", Ct);
        }
        await d.PowerOffAsync(HostA, "parent", Ct);
        await d.UnregisterVmAsync(HostA, "parent", Ct);
        Assert.Empty(d.RunningProcessIds());
        Assert.Empty(Directory.GetDirectories(d.Paths.Vms(HostA)));
    }

    [Fact]
    public async Task A_running_child_is_promoted_to_its_own_memory_and_a_disk_over_the_base_alone()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "tmpl");
        await d.SetGuestDataAsync(HostA, "tmpl", Identity(1, "tmpl.example"), Ct);
        await d.PowerOnAsync(HostA, "tmpl", Ct);
        // Quiesced once its daemon listens, so that a child resumes listening for its own identity.
        await fleet.WaitForHostnameAsync(HostA, "tmpl", "tmpl.example");
        await d.SuspendAsync(HostA, "tmpl", Ct);
        await d.ForkAsync(HostA, "tmpl", new VmDefinition("kid", "kid", Guest, "kid-disk"), new ForkOptions(Persistent: true, Data: Identity(1, "kid.example")), Ct);
        await fleet.WaitForHostnameAsync(HostA, "kid", "kid.example");

        await d.PromoteAsync(HostA, "kid", Ct);
        var promoted = d.Vm(HostA, "kid")!;
        Assert.Null(promoted.ForkedFrom);
        Assert.Equal(d.Paths.Memory(HostA, "kid"), promoted.MemoryFile);
        Assert.Equal(d.Layer(HostA, "base-tiny")!.File, (await new QemuImg().InfoAsync(d.Layer(HostA, "kid-disk")!.File, Ct)).BackingFile);

        // Independent now: the template can go, and the promoted VM still answers on its channel.
        await d.PowerOffAsync(HostA, "tmpl", Ct);
        await d.UnregisterVmAsync(HostA, "tmpl", Ct);
        await d.SetGuestDataAsync(HostA, "kid", Identity(2, "kid-promoted"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "kid", "kid-promoted");
        Assert.Equal(0, fleet.Boots(HostA, "kid"));
        await d.PowerOffAsync(HostA, "kid", Ct);
    }

    [Fact]
    public async Task Live_migration_over_a_shared_datastore_moves_the_running_guest_and_leaves_nothing_on_the_source()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "mover", datastore: "shared", sharedBase: true);
        var plan = new MigrationPlan("mig-1", "mover", HostA, HostB, Live: true);

        await d.PrepareMigrationAsync(plan, Ct);
        await d.PrepareMigrationAsync(plan, Ct);
        await d.SwitchOverAsync(plan, Ct);
        await d.CompleteMigrationAsync(plan, Ct);

        Assert.Null(await d.GetVmAsync(HostA, "mover", Ct));
        Assert.Equal(VmPowerState.Running, (await d.GetVmAsync(HostB, "mover", Ct))!.PowerState);
        Assert.Equal("completed", d.LastMigration!.Status);
        Assert.True(File.Exists(d.Layer(HostB, "mover-disk")!.File), "the shared layer stays for the target");
        await d.SetGuestDataAsync(HostB, "mover", Identity(1, "arrived.example"), Ct);
        await fleet.WaitForHostnameAsync(HostB, "mover", "arrived.example");
        Assert.Equal(0, fleet.Boots(HostB, "mover"));
        Assert.Single(d.RunningProcessIds());
        await d.PowerOffAsync(HostB, "mover", Ct);
    }

    [Fact]
    public async Task Live_migration_with_a_local_disk_mirrors_the_disk_to_the_target_while_the_guest_runs()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "mover");
        await fleet.WriteDiskAsync(HostA, "mover", 0xab, mib: 4);
        await d.PowerOnAsync(HostA, "mover", Ct);
        await fleet.WaitForBootAsync(HostA, "mover");
        var plan = new MigrationPlan("mig-l", "mover", HostA, HostB, Live: true);

        await d.PrepareMigrationAsync(plan, Ct);
        Assert.False(await fleet.DiskHoldsAsync(HostB, "mover", 0xab, mib: 4), "prepare places an empty layer; the disk moves at switch-over");
        await d.SwitchOverAsync(plan, Ct);
        await d.CompleteMigrationAsync(plan, Ct);

        Assert.Null(await d.GetVmAsync(HostA, "mover", Ct));
        Assert.False(Directory.Exists(d.Paths.Vm(HostA, "mover")));
        Assert.Equal("completed", d.LastMigration!.Status);
        await d.SetGuestDataAsync(HostB, "mover", Identity(1, "arrived.example"), Ct);
        await fleet.WaitForHostnameAsync(HostB, "mover", "arrived.example");
        Assert.Equal(0, fleet.Boots(HostB, "mover"));
        Assert.Single(d.RunningProcessIds());
        await d.PowerOffAsync(HostB, "mover", Ct);
        Assert.True(await fleet.DiskHoldsAsync(HostB, "mover", 0xab, mib: 4), "the target's layer holds what the source's held");
        Assert.Equal(d.Layer(HostB, "base-tiny")!.File, (await new QemuImg().InfoAsync(d.Layer(HostB, "mover-disk")!.File, Ct)).BackingFile);
    }

    [Fact]
    public async Task A_migration_that_fails_at_switch_over_or_is_cancelled_leaves_the_guest_running_on_the_source()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "stay");
        var sourcePid = d.ProcessId(HostA, "stay");

        // Cancelled after prepare: the target's copy goes, the source never stopped.
        var first = new MigrationPlan("mig-a", "stay", HostA, HostB, Live: true);
        await d.PrepareMigrationAsync(first, Ct);
        Assert.True(File.Exists(d.Layer(HostB, "stay-disk")!.File));
        await d.CancelMigrationAsync(first, Ct);
        Assert.Null(d.Layer(HostB, "stay-disk"));
        Assert.False(Directory.Exists(d.Paths.Vm(HostB, "stay")));

        // A fault on the target at switch-over (it cannot make the layer the disk is mirrored into): the source runs on.
        var second = new MigrationPlan("mig-b", "stay", HostA, HostB, Live: true);
        await d.PrepareMigrationAsync(second, Ct);
        Directory.CreateDirectory(d.Layer(HostB, "stay-disk")!.File + ".partial");
        await Assert.ThrowsAsync<HypervisorException>(() => d.SwitchOverAsync(second, Ct));
        await d.CancelMigrationAsync(second, Ct);

        Assert.Equal(sourcePid, d.ProcessId(HostA, "stay"));
        Assert.Equal(VmPowerState.Running, (await d.GetVmAsync(HostA, "stay", Ct))!.PowerState);
        Assert.Null(await d.GetVmAsync(HostB, "stay", Ct));
        await d.SetGuestDataAsync(HostA, "stay", Identity(1, "still-here"), Ct);
        await fleet.WaitForHostnameAsync(HostA, "stay", "still-here");
        Assert.Single(d.RunningProcessIds());
        await d.PowerOffAsync(HostA, "stay", Ct);
    }

    [Fact]
    public async Task Customizations_reboot_the_guest_as_often_as_they_need_once_and_a_checkpoint_restores_the_disk()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "cust");

        await d.CustomizeGuestAsync(HostA, "cust", new GuestCustomization("data-disk", 2), Ct);
        await d.CustomizeGuestAsync(HostA, "cust", new GuestCustomization("data-disk", 2), Ct);
        await fleet.WaitForBootAsync(HostA, "cust", boots: 3);
        Assert.Equal(2, d.Vm(HostA, "cust")!.Reboots);

        var layer = d.Layer(HostA, "cust-disk")!.File;
        await d.CheckpointAsync(HostA, "cust", "clean", Ct);
        var saved = await File.ReadAllBytesAsync(d.Paths.Checkpoint(HostA, "cust", "clean"));
        await d.PowerOffAsync(HostA, "cust", Ct);
        await File.AppendAllTextAsync(layer, "written after the checkpoint");
        await d.RefreshAsync(HostA, "cust", "clean", Ct);
        Assert.Equal(saved, await File.ReadAllBytesAsync(layer));
        Assert.Equal(VmPowerState.PoweredOff, (await d.GetVmAsync(HostA, "cust", Ct))!.PowerState);
    }
}
