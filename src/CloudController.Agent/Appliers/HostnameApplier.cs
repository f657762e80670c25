namespace CloudController.Agent.Appliers;

/// <summary>hostname and domain: /etc/hostname and the host's own line in /etc/hosts.</summary>
public sealed class HostnameApplier : IDataApplier
{
    public bool Owns(string key) => key is "hostname" or "domain";

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        if (!data.TryGetValue("hostname", out var name)) return new Dictionary<string, string>();
        var fqdn = data.TryGetValue("domain", out var domain) ? $"{name}.{domain}" : name;
        GuestFiles.Write(root, "etc/hostname", name + "\n");
        GuestFiles.Write(root, "etc/hosts", $"127.0.0.1 localhost\n{data.GetValueOrDefault("ip", "127.0.1.1")} {fqdn} {name}\n");
        return new Dictionary<string, string>();
    }
}
