using System.Diagnostics;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// Each VM's cloud-init seed on real QEMU: an owner-only ISO labelled cidata in the runtime directory, one per start
/// of its process, attached read-only with SMBIOS <c>ds=nocloud</c>, rewritten when the data changes while its guest
/// does not listen (a new instance id only after a boot and only for keys the seed carries), unlinked once the guest
/// listens (QEMU still serves it) and gone when the process stops; one per forked child.
/// </summary>
[Collection("qemu")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NoCloudSeedDiskTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_running_VM_whose_guest_does_not_listen_has_an_owner_only_seed_rewritten_with_its_data_and_a_new_instance_only_where_cloud_init_must_run_again()
    {
        // A guest without a daemon, as far as this test goes: it says ready only after ten minutes.
        await using var fleet = await StartAsync(readyAfterSeconds: 600);
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "web1");
        await d.SetGuestDataAsync(HostA, "web1", Identity(1, "first.example"), Ct);
        var seed = d.Paths.Seed(HostA, "web1", 1);
        Assert.StartsWith(d.Paths.Runtime + "/", seed);
        Assert.False(File.Exists(seed), "a VM that does not run has no seed");

        // Changed before the first boot: the start's seed has it, under the VM's own instance.
        await d.SetGuestDataAsync(HostA, "web1", Identity(2, "second.example"), Ct);
        await d.PowerOnAsync(HostA, "web1", Ct);
        await fleet.WaitForBootAsync(HostA, "web1");
        Assert.Equal(1, d.Vm(HostA, "web1")!.Launch);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(seed));
        Assert.Contains("Volume id: cidata", await Iso(seed, "-d"));
        Assert.Contains("instance-id: \"web1\"", await Iso(seed, "-R", "-x", "/meta-data"));
        Assert.Contains("hostname: \"second.example\"", await Iso(seed, "-R", "-x", "/user-data"));
        var commandLine = File.ReadAllText($"/proc/{d.ProcessId(HostA, "web1")}/cmdline").Replace('\0', ' ');
        Assert.Contains($"file={seed},format=raw,if=none,id=seed0,readonly=on", commandLine);
        Assert.Contains("type=1,serial=ds=nocloud", commandLine);

        // After a boot: only the agent's keys changed, the instance stays; a key cloud-init reads, a new instance.
        await d.SetGuestDataAsync(HostA, "web1", GuestData.Of(3, Identity(2, "second.example").Values.Add("guest.token", "t")), Ct);
        Assert.Contains("instance-id: \"web1\"", await Iso(seed, "-R", "-x", "/meta-data"));
        await d.SetGuestDataAsync(HostA, "web1", Identity(4, "third.example"), Ct);
        Assert.Contains("instance-id: \"web1-4\"", await Iso(seed, "-R", "-x", "/meta-data"));
        Assert.Equal(NoCloudSeedDiskSize, new FileInfo(seed).Length);

        await d.PowerOffAsync(HostA, "web1", Ct);
        Assert.False(File.Exists(seed), "a stopped process's seed goes");
        await d.UnregisterVmAsync(HostA, "web1", Ct);
    }

    [Fact]
    public async Task Each_forked_child_has_a_seed_of_its_own_which_QEMU_serves_after_its_name_is_gone()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        await fleet.BootAsync(HostA, "parent");
        await d.SuspendAsync(HostA, "parent", Ct);
        foreach (var i in new[] { 1, 2 })
            await d.ForkAsync(HostA, "parent", new VmDefinition($"child{i}", $"child{i}", Guest, $"child{i}-disk"), new ForkOptions(Data: Identity(1, $"child{i}.example")), Ct);
        foreach (var i in new[] { 1, 2 })
        {
            await fleet.WaitForHostnameAsync(HostA, $"child{i}", $"child{i}.example");
            // A child resumes a listening guest: its seed has no name on the host, and its process still has it open.
            var seed = d.Paths.Seed(HostA, $"child{i}", d.Vm(HostA, $"child{i}")!.Launch);
            Assert.False(File.Exists(seed));
            var open = Directory.EnumerateFileSystemEntries($"/proc/{d.ProcessId(HostA, $"child{i}")}/fd")
                .Single(fd => new FileInfo(fd).LinkTarget == seed + " (deleted)");
            var meta = await Iso(open, "-R", "-x", "/meta-data");
            Assert.Contains($"instance-id: \"child{i}\"", meta);
            Assert.Contains($"local-hostname: \"child{i}.example\"", meta);
        }
    }

    private const long NoCloudSeedDiskSize = 2L << 20;

    /// <summary>Debian's isoinfo (genisoimage's package) reads the seed as the guest would.</summary>
    private static async Task<string> Iso(string image, params string[] arguments)
    {
        var start = new ProcessStartInfo("isoinfo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-i", image }.Concat(arguments)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
