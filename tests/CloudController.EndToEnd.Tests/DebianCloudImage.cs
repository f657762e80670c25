using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A Debian bookworm cloud image made by the test: a minbase root file system with cloud-init from the package mirror
/// (debootstrap), cc-agent's .deb (deploy/agent/build-deb.sh) installed, the machine's cloud kernel's modules, a
/// console report of what cloud-init did, as an ext4 qcow2 with the kernel and initrd beside it. Each part is cached
/// under the user's cache directory, keyed by its inputs, so only the first run on a machine pays for debootstrap
/// (about 80 s) and the agent's build; a run builds it once for all its tests.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class DebianCloudImage
{
    public const string Suite = "bookworm";
    public const string Mirror = "http://deb.debian.org/debian";

    /// <summary>cloud-init and what FACTS of these machines showed it needs (kmod mounts the seed's isofs, python3-cffi-backend resolves debootstrap's dependencies).</summary>
    public const string Packages = "cloud-init,python3-cffi-backend,systemd-sysv,kmod,udev,ifupdown,isc-dhcp-client,iproute2,openssh-server";

    /// <summary>Printed on the console once cloud-init is done, then again whenever the app store changes.</summary>
    private const string Report = """
        #!/bin/sh
        cloud-init status --wait >/dev/null
        say() { echo "cc-report: $*" > /dev/ttyS0; }
        say "$(cloud-init status)"
        say "hostname $(hostname)"
        for u in $(getent passwd | awk -F: '$3 >= 1000 && $3 < 60000 {print $1}'); do
          say "shadow $(getent shadow "$u" | cut -d: -f1,2)"
          say "keys $u $(cat /home/$u/.ssh/authorized_keys 2>/dev/null | tr '\n' '|')"
        done
        say "address $(ip -4 -o addr show dev eth0 | awk '{print $4}')"
        last=""
        while true; do
          now="$(cat /etc/cloudcontroller/data.env 2>/dev/null | tr '\n' '|')"
          [ "$now" != "$last" ] && say "app $now" && last="$now"
          sleep 1
        done
        """;

    private const string ReportUnit = """
        [Unit]
        Description=Test report of what the guest got
        [Service]
        ExecStart=/usr/local/sbin/cc-report
        [Install]
        WantedBy=multi-user.target
        """;

    private const string MinbaseCloudConfig = "locale: false\n";

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static string? built;

    /// <summary>Puts NAME.qcow2, NAME.vmlinuz and NAME.initrd into a directory (links into the cache).</summary>
    public static async Task LinkAsync(string imagesDirectory, string name, Action<string> log)
    {
        var image = await BuildAsync(log);
        Directory.CreateDirectory(imagesDirectory);
        foreach (var extension in new[] { ".qcow2", ".vmlinuz", ".initrd" })
            File.CreateSymbolicLink(Path.Combine(imagesDirectory, name + extension), image + extension);
    }

    private static async Task<string> BuildAsync(Action<string> log)
    {
        await Once.WaitAsync();
        try
        {
            return built ??= await BuildUncachedAsync(log);
        }
        finally
        {
            Once.Release();
        }
    }

    private static async Task<string> BuildUncachedAsync(Action<string> log)
    {
        var missing = new[] { "debootstrap", "mke2fs", "dpkg-deb", "qemu-img", "genisoimage" }.Where(p => !OnPath(p)).ToList();
        var kernel = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*-cloud-amd64").Order().LastOrDefault() : null;
        if (kernel is null) missing.Add("Debian's cloud kernel (linux-image-cloud-amd64)");
        if (missing.Count > 0) throw new InvalidOperationException($"the cloud-image test needs {string.Join(", ", missing)}; .ci/run installs them");
        var version = Path.GetFileName(kernel!)["vmlinuz-".Length..];
        var cache = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "cloudcontroller-test-images");
        Directory.CreateDirectory(cache);

        var rootfs = Path.Combine(cache, $"rootfs-{Key(Suite, Mirror, Packages)}");
        if (!Directory.Exists(rootfs))
        {
            var watch = Stopwatch.StartNew();
            await RunAsync("rm", "-rf", rootfs + ".partial");
            await RunAsync("debootstrap", "--variant=minbase", $"--include={Packages}", Suite, rootfs + ".partial", Mirror);
            Directory.Move(rootfs + ".partial", rootfs);
            log($"debootstrap of {Suite}: {watch.Elapsed.TotalSeconds:0} s");
        }

        var repository = RepositoryRoot();
        var agentInputs = Directory.GetFiles(Path.Combine(repository, "src"), "*", SearchOption.AllDirectories)
            .Where(f => (f.Contains("/CloudController.Agent/") || f.Contains("/CloudController.FirstBoot/") || f.Contains("/CloudController.Api.Contracts/"))
                        && !f.Contains("/bin/") && !f.Contains("/obj/"))
            .Concat(Directory.GetFiles(Path.Combine(repository, "deploy", "agent")))
            .Append(Path.Combine(repository, "Directory.Packages.props"))
            .Order(StringComparer.Ordinal).ToList();
        var deb = Path.Combine(cache, $"cc-agent-{Key([.. agentInputs.Select(f => Path.GetRelativePath(repository, f) + File.ReadAllText(f))])}.deb");
        if (!File.Exists(deb))
        {
            var watch = Stopwatch.StartNew();
            var output = Directory.CreateTempSubdirectory("cc-deb-").FullName;
            var made = (await RunAsync(Path.Combine(repository, "deploy", "agent", "build-deb.sh"), output)).Trim();
            File.Move(made, deb, overwrite: true);
            Directory.Delete(output, recursive: true);
            log($"cc-agent package: {watch.Elapsed.TotalSeconds:0} s");
        }

        var image = Path.Combine(cache, $"debian-{Key(rootfs, deb, version, Report, ReportUnit, MinbaseCloudConfig)}");
        if (File.Exists(image + ".qcow2")) return image;
        // Older images and packages (other inputs) go: each is hundreds of megabytes.
        foreach (var old in Directory.GetFiles(cache, "debian-*").Concat(Directory.GetFiles(cache, "cc-agent-*.deb")).Where(f => !f.StartsWith(image, StringComparison.Ordinal) && f != deb))
            File.Delete(old);
        var sw = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("cc-image-").FullName;
        try
        {
            var root = Path.Combine(work, "root");
            await RunAsync("cp", "-a", rootfs, root);
            await RunAsync("dpkg", $"--root={root}", "-i", deb);
            Directory.CreateDirectory(Path.Combine(root, "usr/lib/modules"));
            await RunAsync("cp", "-a", $"/lib/modules/{version}", Path.Combine(root, "usr/lib/modules", version));
            File.WriteAllText(Path.Combine(root, "usr/local/sbin/cc-report"), Report.Replace("\r", "") + "\n");
            File.SetUnixFileMode(Path.Combine(root, "usr/local/sbin/cc-report"), (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(root, "etc/systemd/system/cc-report.service"), ReportUnit.Replace("\r", "") + "\n");
            File.CreateSymbolicLink(Path.Combine(root, "etc/systemd/system/multi-user.target.wants/cc-report.service"), "/etc/systemd/system/cc-report.service");
            // minbase has no locales package, so cloud-init's locale module would fail (real cloud images have it).
            File.WriteAllText(Path.Combine(root, "etc/cloud/cloud.cfg.d/90-minbase.cfg"), MinbaseCloudConfig);
            var raw = Path.Combine(work, "disk.raw");
            await RunAsync("mke2fs", "-q", "-t", "ext4", "-d", root, raw, "2G");
            await RunAsync("qemu-img", "convert", "-O", "qcow2", raw, image + ".qcow2.partial");
            File.Copy(kernel!, image + ".vmlinuz", overwrite: true);
            File.Copy($"/boot/initrd.img-{version}", image + ".initrd", overwrite: true);
            File.Move(image + ".qcow2.partial", image + ".qcow2");
            log($"image from the root file system and the package: {sw.Elapsed.TotalSeconds:0} s");
            return image;
        }
        finally
        {
            await RunAsync("rm", "-rf", work);
        }
    }

    private static string Key(params string[] inputs) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n\0", inputs))))[..16];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CloudController.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository (CloudController.sln) is not above the test's directory");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program))) ||
        File.Exists(Path.Combine("/usr/sbin", program)) || File.Exists(Path.Combine("/sbin", program));

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // debootstrap, mke2fs and dpkg live in sbin, which a test runner's PATH may lack.
        start.Environment["PATH"] = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {(await errors).Trim()}\n{(await output)[^Math.Min(2000, (await output).Length)..]}");
        return await output;
    }
}
