using System.Text;
using static CloudController.Hypervisor.Tests.Qemu.QemuFleet;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// A VM given secret values (an app secret, a password, a private key, its activation and guest tokens) runs on real
/// QEMU, is suspended, resumed and given a new secret; at each step no file the driver keeps (under its root or its
/// runtime directory) holds any of them in clear or in base64. The guest's own files are not the driver's: its RAM
/// (the memory file) and its console (the test guest prints what its channel delivers, which shows it got them).
/// </summary>
[Collection("qemu")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QemuSecretsAtRestTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Secrets_a_VM_ran_suspended_and_resumed_with_are_nowhere_in_clear_in_the_driver_s_files()
    {
        await using var fleet = await StartAsync();
        var d = fleet.Driver;
        var marker = "MARKER-" + Guid.NewGuid().ToString("N");
        await fleet.RegisterAsync(HostA, "vault");
        await d.SetGuestDataAsync(HostA, "vault", GuestData.Of(1, [
            new("hostname", "vault.example"), new("users", "alice"), new("users.alice.password", marker),
            new("secret.api-key", marker), new("tls.private-key", marker), new("activation.token", marker),
            new("guest.token", marker), new("controller.endpoint", "http://10.0.2.2:5400")]), Ct);
        await d.PowerOnAsync(HostA, "vault", Ct);
        await fleet.WaitForHostnameAsync(HostA, "vault", "vault.example");
        Assert.Contains(fleet.GuestLines(HostA, "vault"), l => l.Contains(marker));
        AssertNowhere(fleet, marker);

        await d.SuspendAsync(HostA, "vault", Ct);
        AssertNowhere(fleet, marker);

        await d.ResumeAsync(HostA, "vault", Ct);
        var second = "MARKER-" + Guid.NewGuid().ToString("N");
        await d.SetGuestDataAsync(HostA, "vault", GuestData.Of(2, [new("hostname", "vault2.example"), new("secret.api-key", second)]), Ct);
        await fleet.WaitForHostnameAsync(HostA, "vault", "vault2.example");
        Assert.Contains(fleet.GuestLines(HostA, "vault"), l => l.Contains(second));
        AssertNowhere(fleet, marker);
        AssertNowhere(fleet, second);
    }

    /// <summary>Every file under the driver's root and runtime directory but the guest's own and the sockets, byte-wise.</summary>
    private static void AssertNowhere(QemuFleet fleet, string marker)
    {
        var d = fleet.Driver;
        var guestOwn = new[] { d.Paths.Memory(HostA, "vault"), d.Paths.Console(HostA, "vault") };
        var files = new[] { d.Paths.Root, d.Paths.Runtime }.Distinct()
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)).Distinct()
            .Where(f => !guestOwn.Contains(f) && Path.GetExtension(f) is not (".qmp" or ".chan" or ".mig"))
            .ToList();
        Assert.Contains(d.Paths.VmRecord(HostA, "vault"), files);
        var patterns = Forms(marker);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var (form, pattern) in patterns)
                Assert.False(bytes.AsSpan().IndexOf(pattern) >= 0, $"{file} holds the secret {form}");
        }
    }

    /// <summary>The marker as UTF-8, and as base64 at each of the three byte alignments it may start at in a longer text.</summary>
    private static List<(string Form, byte[] Pattern)> Forms(string marker)
    {
        var plain = Encoding.UTF8.GetBytes(marker);
        var forms = new List<(string, byte[])> { ("in clear", plain) };
        foreach (var shift in new[] { 0, 1, 2 })
        {
            var encoded = Convert.ToBase64String([.. new byte[shift], .. plain]);
            // The first group mixes in what precedes the marker and the last what follows it: only the middle is fixed.
            var middle = encoded[(shift == 0 ? 0 : 4)..^4];
            forms.Add(($"in base64 (alignment {shift})", Encoding.ASCII.GetBytes(middle)));
        }
        return forms;
    }
}
