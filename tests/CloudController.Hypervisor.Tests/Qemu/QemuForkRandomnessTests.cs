using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// Clone-safe randomness: children resumed from one parent's memory start with its kernel's random-number state.
/// Each VM and each child has its own VM Generation ID, which a Linux guest with the vmgenid driver (Debian's
/// generic kernel; the cloud kernel lacks it) takes as the signal to reseed at once.
/// </summary>
[Collection("qemu")]
public sealed class QemuForkRandomnessTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Two_children_of_one_parent_read_different_bytes_from_urandom_after_the_fork()
    {
        await using var fleet = await StartAsync(genericKernel: true);
        var d = fleet.Driver;
        await fleet.RegisterAsync(HostA, "parent");
        await d.SetGuestDataAsync(HostA, "parent", Identity(1, "parent.example"), Ct);
        await d.PowerOnAsync(HostA, "parent", Ct);
        await fleet.WaitForHostnameAsync(HostA, "parent", "parent.example");
        await d.SuspendAsync(HostA, "parent", Ct);

        foreach (var child in new[] { "one", "two" })
            await d.ForkAsync(HostA, "parent", new VmDefinition(child, child, Guest, $"{child}-disk"), new ForkOptions(Data: Identity(1, $"{child}.example")), Ct);
        // Each child's guest reads /dev/urandom as soon as its identity arrives, right after it resumes.
        var drawn = new List<string>();
        foreach (var child in new[] { "one", "two" })
        {
            await fleet.WaitForAsync(HostA, child, lines => RandomAfter(lines, $"{child}.example") is not null, $"random bytes after {child}'s identity");
            drawn.Add(RandomAfter(fleet.GuestLines(HostA, child), $"{child}.example")!);
        }
        Assert.NotEqual(drawn[0], drawn[1]);

        var generations = new[] { "parent", "one", "two" }.Select(vm => d.Vm(HostA, vm)!.GenerationId).ToList();
        Assert.All(generations, g => Assert.NotNull(g));
        Assert.Equal(3, generations.Distinct().Count());
        foreach (var child in new[] { "one", "two" })
            Assert.Contains($"guid={d.Vm(HostA, child)!.GenerationId}", await File.ReadAllTextAsync($"/proc/{d.ProcessId(HostA, child)}/cmdline"));
    }

    private static string? RandomAfter(IReadOnlyList<string> lines, string hostname)
    {
        var at = lines.ToList().FindIndex(l => l.Contains($"\"hostname\":\"{hostname}\""));
        return at >= 0 && at + 1 < lines.Count && lines[at + 1].StartsWith("random ") ? lines[at + 1] : null;
    }
}
