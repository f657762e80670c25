using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Qemu;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// A suspended VM copied between two QEMU drivers, as two machines' host agents run it: the source serves its disk's
/// difference, memory and device state over NBD, the target pulls and checks each by digest.
/// </summary>
[Collection("qemu")]
public sealed class QemuMachineCopyTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>A source whose offer names a digest its memory does not have, as a corrupted transfer would show.</summary>
    private sealed class TamperedMemoryDigest(IMachineCopy source) : IMachineCopy
    {
        public async Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct)
        {
            var offer = await source.OfferCopyAsync(plan, ct);
            return offer with { Streams = [.. offer.Streams.Select(s => s.Name == "memory" ? s with { Sha256 = new string('0', 64) } : s)] };
        }

        public Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct) => source.AcceptCopyAsync(plan, offer, ct);

        public Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct) => source.EndCopyOfferAsync(plan, ct);
    }

    /// <summary>A source whose offer crosses as JSON, as it does between two host agents.</summary>
    private sealed class OverTheWire(IMachineCopy source) : IMachineCopy
    {
        public async Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct) =>
            System.Text.Json.JsonSerializer.Deserialize<CopyOffer>(
                System.Text.Json.JsonSerializer.Serialize(await source.OfferCopyAsync(plan, ct), DriverCall.Json), DriverCall.Json)!;

        public Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct) => source.AcceptCopyAsync(plan, offer, ct);

        public Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct) => source.EndCopyOfferAsync(plan, ct);
    }

    [Fact]
    public async Task A_suspended_vm_is_copied_to_another_machine_and_resumes_there_and_a_copy_failing_its_digest_leaves_nothing_there()
    {
        await using var here = await StartAsync();
        await using var there = await StartAsync();
        await here.RegisterAsync(HostA, "tmpl");
        await here.WriteDiskAsync(HostA, "tmpl", 0xab, mib: 4);
        await here.Driver.PowerOnAsync(HostA, "tmpl", Ct);
        await here.Driver.SetGuestDataAsync(HostA, "tmpl", Identity(1, "tmpl.example"), Ct);
        await here.WaitForHostnameAsync(HostA, "tmpl", "tmpl.example");
        await here.Driver.SuspendAsync(HostA, "tmpl", Ct);

        var bad = new CopyPlan(HostA, "tmpl", HostB, new VmDefinition("bad", "bad.test", Guest, "bad-disk"));
        var refused = await Assert.ThrowsAsync<HypervisorException>(() => MachineCopy.CopyAsync(new TamperedMemoryDigest(here.Driver), there.Driver, bad, Ct));
        Assert.Contains("has SHA-256", refused.Message);
        Assert.False(Directory.Exists(there.Driver.Paths.Vm(HostB, "bad")));
        Assert.False(File.Exists(there.Driver.Paths.LocalLayerFile(HostB, "bad-disk")));
        Assert.Null(there.Driver.Layer(HostB, "bad-disk"));
        // The base it brought goes too; the source's NBD servers and scratch are gone.
        Assert.Null(there.Driver.Layer(HostB, "base-tiny"));
        Assert.Empty(Directory.Exists(Path.Combine(here.Driver.Paths.Runtime, "copies")) ? Directory.GetFileSystemEntries(Path.Combine(here.Driver.Paths.Runtime, "copies")) : []);

        var plan = new CopyPlan(HostA, "tmpl", HostB, new VmDefinition("copy", "copy.test", Guest, "copy-disk"));
        await MachineCopy.CopyAsync(new OverTheWire(here.Driver), there.Driver, plan, Ct);
        Assert.Equal(VmPowerState.Suspended, (await there.Driver.GetVmAsync(HostB, "copy", Ct))!.PowerState);
        Assert.Equal(VmPowerState.Suspended, (await here.Driver.GetVmAsync(HostA, "tmpl", Ct))!.PowerState);
        await there.Driver.ResumeAsync(HostB, "copy", Ct);
        await there.Driver.SetGuestDataAsync(HostB, "copy", Identity(2, "copy.example"), Ct);
        await there.WaitForHostnameAsync(HostB, "copy", "copy.example");
        Assert.Equal(0, there.Boots(HostB, "copy"));
        await there.Driver.PowerOffAsync(HostB, "copy", Ct);
        Assert.True(await there.DiskHoldsAsync(HostB, "copy", 0xab, mib: 4), "the copy's disk holds what the source's held");
    }
}
