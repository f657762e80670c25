namespace CloudController.Agent;

/// <summary>
/// The key/value data the host put into this VM's channel, as the guest reads it: one <c>key=value</c> per line.
/// </summary>
public sealed record GuestData(IReadOnlyDictionary<string, string> Values)
{
    public static GuestData Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var at = line.IndexOf('=');
            if (line.Length == 0 || line[0] == '#' || at <= 0) continue;
            values[line[..at]] = line[(at + 1)..];
        }
        return new GuestData(values);
    }

    public string Required(string key) =>
        Values.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidDataException($"the provisioning data has no '{key}'; the controller puts it there for every VM it activates");

    public string Optional(string key) => Values.GetValueOrDefault(key, "");

    /// <summary>Keys only: values may be secrets.</summary>
    public override string ToString() => string.Join(", ", Values.Keys.Order());
}
