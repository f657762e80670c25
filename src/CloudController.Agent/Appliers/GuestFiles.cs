namespace CloudController.Agent.Appliers;

/// <summary>Writes guest files atomically (a temporary file renamed over the old), owner-only when they hold secrets.</summary>
public static class GuestFiles
{
    public static void Write(string root, string relative, string content, bool secret = false)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            if (secret && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var writer = new StreamWriter(stream);
            writer.Write(content);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string root, string relative)
    {
        var path = Path.Combine(root, relative);
        if (File.Exists(path)) File.Delete(path);
    }
}
