using System.IO.Compression;
using System.Text;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// A tiny Linux guest made for the tests: the machine's Debian kernel and an initramfs of busybox whose init says
/// "booted" on the console, then prints every line its key/value channel (the second serial port) delivers, each
/// followed by 16 bytes it has just read from /dev/urandom (so forked children show whether they share random state). Booted
/// directly, so no disk OS is needed. Like a guest daemon it says "ready" on the channel when it listens, and
/// keeps the port open from then on (closing a serial port's last descriptor drops what it had received); the qcow2 base is real and carries the layered disk.
/// It says "ready" only once "booted" has left the console (stty sets a mode after the output drains): a parent
/// suspended for forking right after "ready" would otherwise hand its unsent "booted" to every child's console.
/// </summary>
public static class TinyGuest
{
    public const string Image = "tiny";

    private const string Init = """
        #!/bin/busybox sh
        /bin/busybox mount -t devtmpfs dev /dev
        echo "cc-guest: booted"
        /bin/busybox stty -F /dev/ttyS0 opost
        exec 3<>/dev/ttyS1
        /bin/busybox stty -F /dev/ttyS1 raw -echo
        /bin/busybox sleep READY_AFTER
        echo ready >&3
        while IFS= read -r line <&3; do
          echo "cc-guest: $line"
          echo "cc-guest: random $(/bin/busybox head -c 16 /dev/urandom | /bin/busybox od -An -tx1 | /bin/busybox tr -d ' \n')"
        done
        """;

    /// <summary>Writes NAME.qcow2, NAME.vmlinuz and NAME.initrd into a directory; raises saying what to install when the machine lacks it.</summary>
    /// <param name="genericKernel">Debian's generic kernel (linux-image-amd64), which has the VM Generation ID
    /// driver, instead of whichever is last in /boot (the cloud kernel where both are installed).</param>
    /// <param name="readyAfterSeconds">How long its daemon takes to start listening after it opens the channel, as a slow one would.</param>
    public static async Task BuildAsync(string imagesDirectory, string image = Image, bool genericKernel = false, int readyAfterSeconds = 0)
    {
        var kernels = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order().ToList() : [];
        var kernel = genericKernel ? kernels.LastOrDefault(k => !k.Contains("-cloud-")) : kernels.LastOrDefault();
        var missing = new List<string>();
        if (kernel is null) missing.Add(genericKernel ? "Debian's generic kernel in /boot (linux-image-amd64)" : "a kernel in /boot (Debian: linux-image-cloud-amd64)");
        if (!File.Exists("/bin/busybox")) missing.Add("/bin/busybox (Debian: busybox-static)");
        if (!OnPath("qemu-system-x86_64")) missing.Add("qemu-system-x86_64 (Debian: qemu-system-x86)");
        if (!OnPath("qemu-img")) missing.Add("qemu-img (Debian: qemu-utils)");
        if (missing.Count > 0)
            throw new InvalidOperationException($"the QEMU tests need {string.Join(", ", missing)}; .ci/run installs them");

        Directory.CreateDirectory(imagesDirectory);
        File.Copy(kernel!, Path.Combine(imagesDirectory, image + ".vmlinuz"), overwrite: true);
        await using (var initrd = File.Create(Path.Combine(imagesDirectory, image + ".initrd")))
        await using (var gzip = new GZipStream(initrd, CompressionLevel.Fastest))
        {
            var cpio = new NewcArchive(gzip);
            cpio.Directory("bin");
            cpio.Directory("dev");
            cpio.File("bin/busybox", await File.ReadAllBytesAsync("/bin/busybox"), executable: true);
            cpio.File("init", Encoding.ASCII.GetBytes(Init.Replace("\r", "").Replace("READY_AFTER", $"{readyAfterSeconds}") + "\n"), executable: true);
            cpio.End();
        }
        await new QemuImg().CreateAsync(Path.Combine(imagesDirectory, image + ".qcow2"), 1, CancellationToken.None);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

    /// <summary>The "newc" cpio format the kernel unpacks an initramfs from.</summary>
    private sealed class NewcArchive(Stream output)
    {
        private int inode = 1;

        public void Directory(string name) => Entry(name, 0x41ED, []);

        public void File(string name, byte[] content, bool executable) => Entry(name, executable ? 0x81ED : 0x81A4, content);

        public void End() => Entry("TRAILER!!!", 0, []);

        private void Entry(string name, int mode, byte[] content)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
            var header = $"070701{inode++:X8}{mode:X8}{0:X8}{0:X8}{1:X8}{0:X8}{content.Length:X8}{0:X8}{0:X8}{0:X8}{0:X8}{nameBytes.Length:X8}{0:X8}";
            Write(Encoding.ASCII.GetBytes(header));
            Write(nameBytes);
            Pad(110 + nameBytes.Length);
            Write(content);
            Pad(content.Length);
        }

        private void Write(byte[] bytes) => output.Write(bytes);

        private void Pad(int length)
        {
            var padding = (4 - length % 4) % 4;
            output.Write(new byte[padding]);
        }
    }
}
