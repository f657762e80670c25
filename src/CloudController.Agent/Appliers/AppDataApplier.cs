namespace CloudController.Agent.Appliers;

/// <summary>
/// Every other key (app settings, secret.*): one key=value file apps read, owner-only since it may hold secrets. The
/// agent's own keys (guest.*, activation.*, controller.*) stay out of it.
/// </summary>
public sealed class AppDataApplier(IEnumerable<IDataApplier> others) : IDataApplier
{
    private readonly IReadOnlyList<IDataApplier> _others = others.ToList();

    public bool Owns(string key) =>
        !key.StartsWith("guest.", StringComparison.Ordinal) && !key.StartsWith("activation.", StringComparison.Ordinal) &&
        !key.StartsWith("controller.", StringComparison.Ordinal) && !_others.Any(o => o.Owns(key));

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        var failed = new Dictionary<string, string>();
        var lines = new List<string>();
        foreach (var (key, value) in data.Where(d => Owns(d.Key)).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (value.Contains('\n')) failed[key] = "a multi-line value cannot go into the key=value store";
            else lines.Add($"{key}={value}");
        }
        GuestFiles.Write(root, "etc/cloudcontroller/data.env", string.Join("\n", lines) + "\n", secret: true);
        return failed;
    }
}
