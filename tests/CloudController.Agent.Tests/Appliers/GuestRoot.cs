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

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
