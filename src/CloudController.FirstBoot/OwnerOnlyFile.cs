namespace CloudController.FirstBoot;

/// <summary>
/// Files that hold secrets, created readable and writable by their owner only from the first moment (the mode is given
/// to open(2), not set after it), so no other user can open one while it is being written. Shared by the node, the
/// guest agent and the drivers, so there is one way to do it.
/// </summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Replaces <paramref name="path"/> whole: a fresh temporary file of a new name is written, then renamed over it,
    /// so a crash leaves the old or the new, and nobody who opened the old one (or planted a file by the temporary
    /// name) sees the new content.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, Options(FileMode.CreateNew))) stream.Write(content);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static void Write(string path, string content) => Write(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>
    /// Creates <paramref name="path"/> whole, on disk, or not at all: written under a temporary name, then linked into
    /// place, so that nobody (another process making the same file at once) ever reads half of it. Never replaces a
    /// file that exists: that throws <see cref="IOException"/>, and the file there is the one.
    /// </summary>
    public static void Create(string path, ReadOnlySpan<byte> content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, Options(FileMode.CreateNew)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static FileStreamOptions Options(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Mode;
        return options;
    }
}
