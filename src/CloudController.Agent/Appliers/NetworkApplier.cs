namespace CloudController.Agent.Appliers;

/// <summary>ip and network.*: a static interface configuration.</summary>
public sealed class NetworkApplier : IDataApplier
{
    public bool Owns(string key) => key == "ip" || key.StartsWith("network.", StringComparison.Ordinal);

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        const string file = "etc/network/interfaces.d/cloudcontroller";
        if (!data.TryGetValue("ip", out var ip))
        {
            GuestFiles.Delete(root, file);
            return new Dictionary<string, string>();
        }
        var lines = new List<string> { "auto eth0", "iface eth0 inet static", $"    address {ip}/{data.GetValueOrDefault("network.prefix", "24")}" };
        if (data.TryGetValue("network.gateway", out var gateway)) lines.Add($"    gateway {gateway}");
        if (data.TryGetValue("network.dns", out var dns)) lines.Add($"    dns-nameservers {dns.Replace(',', ' ')}");
        GuestFiles.Write(root, file, string.Join("\n", lines) + "\n");
        return new Dictionary<string, string>();
    }
}
