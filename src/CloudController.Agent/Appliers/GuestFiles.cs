using CloudController.FirstBoot;

namespace CloudController.Agent.Appliers;

/// <summary>Writes guest files atomically (a temporary file renamed over the old), owner-only from creation when they hold secrets.</summary>
public static class GuestFiles
{
    public static void Write(string root, string relative, string content, bool secret = false)
    {
        var path = Path.Combine(root, relative);
        if (secret)
        {
            OwnerOnlyFile.Write(path, content);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string root, string relative)
    {
        var path = Path.Combine(root, relative);
        if (File.Exists(path)) File.Delete(path);
    }
}
