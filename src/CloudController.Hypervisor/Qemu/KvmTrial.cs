using System.Diagnostics;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// Whether a guest kernel really runs under an accelerator: QEMU boots a kernel with early printing on its serial
/// port and the kernel's first line ("Linux version") must appear within a bound. Firmware is no proof: SeaBIOS
/// runs to its end under kvm_pvm, where a 64-bit kernel prints nothing.
/// </summary>
/// <param name="GuestRan">The kernel printed its first line in time.</param>
/// <param name="Detail">What was seen, for the reason the driver gives.</param>
public sealed record KvmTrial(bool GuestRan, string Detail)
{
    private const string FirstLine = "Linux version";

    /// <summary>
    /// A kernel to try: the first an image in <paramref name="imagesDirectory"/> ships, else the machine's own in
    /// /boot under <paramref name="root"/>; null when there is none.
    /// </summary>
    public static string? FindKernel(string imagesDirectory, string root = "/")
    {
        var boot = Path.Combine(root, "boot");
        return new[] { (Directory: imagesDirectory, Pattern: "*.vmlinuz"), (Directory: boot, Pattern: "vmlinuz-*") }
            .Where(d => Directory.Exists(d.Directory))
            .Select(d => Directory.EnumerateFiles(d.Directory, d.Pattern).Order(StringComparer.Ordinal).FirstOrDefault())
            .FirstOrDefault(k => k is not null);
    }

    /// <summary>Boots <paramref name="kernel"/> under <paramref name="accelerator"/>; the QEMU process never outlives the call.</summary>
    public static KvmTrial Run(string qemuProgram, string accelerator, string? kernel, TimeSpan timeout)
    {
        if (kernel is null) return new KvmTrial(true, "not confirmed by a test guest: no kernel to boot (no NAME.vmlinuz image, none in /boot)");
        var console = Path.Combine(Path.GetTempPath(), $"cc-kvm-trial-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo(qemuProgram) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
                 {
                     "-machine", $"q35,accel={accelerator}", "-m", "128", "-nodefaults", "-display", "none", "-no-user-config", "-no-reboot",
                     "-kernel", kernel, "-append", "console=ttyS0 earlyprintk=ttyS0 panic=-1",
                     "-chardev", $"file,id=console,path={console}", "-serial", "chardev:console",
                 })
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{qemuProgram} did not start");
            var errors = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            try
            {
                while (watch.Elapsed < timeout)
                {
                    // Read after looking at the process, so a kernel that printed and then exited is not missed.
                    var exited = process.HasExited;
                    if (File.Exists(console) && ReadShared(console).Contains(FirstLine, StringComparison.Ordinal))
                        return new KvmTrial(true, $"a test guest printed its first line under {accelerator} in {watch.ElapsedMilliseconds} ms");
                    if (exited)
                        return new KvmTrial(false, $"QEMU exited ({process.ExitCode}) booting a test guest under {accelerator}: {errors.Result.Trim()}");
                    Thread.Sleep(20);
                }
                return new KvmTrial(false, $"a test guest printed nothing under {accelerator} in {timeout.TotalSeconds:0.#} s");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new KvmTrial(false, $"{qemuProgram} cannot be started: {e.Message}");
        }
        finally
        {
            File.Delete(console);
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }
}
