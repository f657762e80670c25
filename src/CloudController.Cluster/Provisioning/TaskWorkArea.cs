namespace CloudController.Cluster.Provisioning;

/// <summary>
/// A task's own scratch directory (the user's choices, rendered answer files, the VM's config image), under the
/// node's work directory. It is removed when the task ends, whatever the outcome, and again when an ended task is
/// recovered, in case the node stopped in between.
/// </summary>
public sealed class TaskWorkArea(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string taskId) => Path.Combine(Root, taskId);

    /// <summary>Writes a file into the task's area (creating it) and returns its path.</summary>
    public string Write(string taskId, string fileName, string text)
    {
        if (fileName.Contains('/') || fileName.Contains('\\') || fileName is "." or "..")
            throw new ArgumentException($"'{fileName}' is not a plain file name", nameof(fileName));
        var directory = Directory.CreateDirectory(PathOf(taskId));
        var path = Path.Combine(directory.FullName, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public bool Exists(string taskId) => Directory.Exists(PathOf(taskId));

    public void Remove(string taskId)
    {
        if (Directory.Exists(PathOf(taskId))) Directory.Delete(PathOf(taskId), recursive: true);
    }
}
