namespace CloudController.Agent.Tests.Appliers;

/// <summary>A throwaway guest file system root: the appliers write under it as they would under /.</summary>
public sealed class GuestRoot : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cc-guest-").FullName;

    public string Read(string relative) => File.ReadAllText(System.IO.Path.Combine(Path, relative));

    public bool Exists(string relative) => File.Exists(System.IO.Path.Combine(Path, relative));

    /// <summary>The file's mode; owner read-write on Windows, which has no such modes to check.</summary>
    public UnixFileMode Mode(string relative) => OperatingSystem.IsWindows()
        ? UnixFileMode.UserRead | UnixFileMode.UserWrite
        : File.GetUnixFileMode(System.IO.Path.Combine(Path, relative));

    /// <summary>The account files a fresh guest has (root alone), so useradd and chpasswd work under this root.</summary>
    public GuestRoot WithAccounts()
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "etc"));
        File.WriteAllText(System.IO.Path.Combine(Path, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        File.WriteAllText(System.IO.Path.Combine(Path, "etc/group"), "root:x:0:\n");
        foreach (var (name, content) in new[] { ("etc/shadow", "root:*:20000:0:99999:7:::\n"), ("etc/gshadow", "root:*::\n") })
            FirstBoot.OwnerOnlyFile.Write(System.IO.Path.Combine(Path, name), content);
        return this;
    }

    /// <summary>useradd, chpasswd and chown need root; tests of accounts skip without it.</summary>
    public static void SkipUnlessRoot() => Skip.IfNot(Environment.UserName == "root", "creating accounts needs root (useradd, chpasswd, chown)");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
