namespace CloudController.FirstBoot.Tests;

public sealed class OwnerOnlyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("owner-only-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_secret_never_reaches_a_file_someone_else_opened_or_planted_before_it_was_written()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Path.Combine(_directory, "vm.key");
        // Another user's view: the old file and a planted one by the fixed temporary name, both world-readable and
        // held open before the secret is written.
        File.WriteAllText(path, "");
        File.WriteAllText(path + ".tmp", "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        File.SetUnixFileMode(path + ".tmp", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var old = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var planted = new FileStream(path + ".tmp", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        OwnerOnlyFile.Write(path, "secret-marker");

        Assert.Equal("", new StreamReader(old).ReadToEnd());
        Assert.Equal("", new StreamReader(planted).ReadToEnd());
        Assert.Equal("secret-marker", File.ReadAllText(path));
        Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(path));
        Assert.Equal([path, path + ".tmp"], Directory.GetFiles(_directory).Order());
    }

    [Fact]
    public void A_created_secret_is_owner_only_and_never_replaces_one()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Path.Combine(_directory, "storage.key");
        OwnerOnlyFile.Create(path, [1, 2, 3]);
        Assert.Equal(OwnerOnlyFile.Mode, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => OwnerOnlyFile.Create(path, [4]));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
    }
}
