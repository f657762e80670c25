using System.Text;
using System.Text.Json;
using CloudController.Domain;
using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// The QEMU driver's VM records hold secret data values sealed under the key in its root (made owner-only at its first
/// start); a record an older version wrote in clear still reads and is rewritten sealed when the driver starts. No
/// guest runs: records only.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QemuRecordSealingTests : IDisposable
{
    private const string Host = "seal-a";
    private static readonly string Marker = "MARKER-" + Guid.NewGuid().ToString("N");
    private readonly string root = Path.Combine(Path.GetTempPath(), $"cc-seal-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(root, recursive: true);

    private QemuDriver Driver() => new(new QemuDriverOptions(root, Path.Combine(root, "images"),
        [new QemuHostOptions(Host, new Resources(2, 4096, 100))], RuntimeDirectory: Path.Combine(root, "run"), Accelerator: "tcg"));

    private static GuestData Data(long generation, string secret) =>
        GuestData.Of(generation, new Dictionary<string, string> { ["app.mode"] = "blue", ["secret.api"] = secret, ["db.password"] = secret });

    [Fact]
    public async Task A_record_written_in_clear_by_an_older_version_reads_and_is_rewritten_sealed_and_new_data_is_sealed()
    {
        var first = Driver();
        var key = first.Paths.SealingKey;
        Assert.Equal(32, new FileInfo(key).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        // As an older version wrote it: default JSON, every value in clear.
        var record = first.Paths.VmRecord(Host, "old");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        var old = new QemuVmRecord(new VmDefinition("old", "old.test", new Resources(1, 128, 1), "old-disk")) { Data = Data(1, Marker) };
        File.WriteAllText(record, JsonSerializer.Serialize(old));
        Assert.Equal(Marker, first.Vm(Host, "old")!.Data!.Values["secret.api"]);

        var restarted = Driver();
        var text = File.ReadAllText(record);
        Assert.DoesNotContain(Marker, text);
        Assert.Contains("\"sealed:secret.api\"", text);
        Assert.Contains("\"sealed:db.password\"", text);
        Assert.Contains("\"app.mode\": \"blue\"", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record));
        Assert.Equal(Data(1, Marker), restarted.Vm(Host, "old")!.Data);

        var changed = Marker + "-2";
        await restarted.SetGuestDataAsync(Host, "old", Data(2, changed), CancellationToken.None);
        Assert.DoesNotContain(Marker, File.ReadAllText(record));
        Assert.Equal(changed, Driver().Vm(Host, "old")!.Data!.Values["db.password"]);
    }

    [Fact]
    public void A_sealing_key_of_the_wrong_size_stops_the_driver_naming_the_file()
    {
        Driver();
        File.WriteAllBytes(Path.Combine(root, "sealing.key"), new byte[7]);
        var error = Assert.Throws<InvalidOperationException>(Driver);
        Assert.Contains("sealing.key holds 7 bytes", error.Message);
    }
}
