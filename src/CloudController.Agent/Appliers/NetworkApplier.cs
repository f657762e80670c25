using System.Net;
using System.Text.RegularExpressions;

namespace CloudController.Agent.Appliers;

/// <summary>
/// ip and network.*: a static interface configuration (network.interface, eth0 unless given) and, when live, the
/// same applied to the running interface with iproute2: its global addresses replaced by the new one, the default
/// route through the gateway. A removed address removes the configuration but leaves the running interface as it is.
/// </summary>
public sealed partial class NetworkApplier(bool live = false) : IDataApplier
{
    public bool Owns(string key) => key == "ip" || key.StartsWith("network.", StringComparison.Ordinal);

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        const string file = "etc/network/interfaces.d/cloudcontroller";
        var failed = new Dictionary<string, string>();
        if (!data.TryGetValue("ip", out var ip))
        {
            GuestFiles.Delete(root, file);
            return failed;
        }
        var device = data.GetValueOrDefault("network.interface", "eth0");
        if (!InterfaceName().IsMatch(device)) failed["network.interface"] = $"'{device}' is not an interface name: 1 to 15 letters, digits, '.', '_', '-'";
        if (!IPAddress.TryParse(ip, out var address)) failed["ip"] = $"'{ip}' is not an IP address";
        var prefix = data.GetValueOrDefault("network.prefix", "24");
        var bits = address?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        if (!int.TryParse(prefix, out var length) || length < 0 || length > bits) failed["network.prefix"] = $"'{prefix}' is not a prefix length from 0 to {bits}";
        var gateway = data.GetValueOrDefault("network.gateway");
        if (gateway is not null && !IPAddress.TryParse(gateway, out _)) failed["network.gateway"] = $"'{gateway}' is not an IP address";
        if (failed.Count > 0) return failed;

        var lines = new List<string> { $"auto {device}", $"iface {device} inet static", $"    address {ip}/{prefix}" };
        if (gateway is not null) lines.Add($"    gateway {gateway}");
        if (data.TryGetValue("network.dns", out var dns)) lines.Add($"    dns-nameservers {dns.Replace(',', ' ')}");
        GuestFiles.Write(root, file, string.Join("\n", lines) + "\n");
        if (!live) return failed;

        // An address the interface has already is left alone: re-adding it would drop the guest's connections.
        var why = HasAddress(device, $"{ip}/{prefix}") ? null
            : SystemCommand.Run("ip", ["address", "flush", "dev", device, "scope", "global"]) ?? SystemCommand.Run("ip", ["address", "add", $"{ip}/{prefix}", "dev", device]);
        why ??= SystemCommand.Run("ip", ["link", "set", device, "up"]);
        if (why is not null) failed["ip"] = why;
        else if (gateway is not null && SystemCommand.Run("ip", ["route", "replace", "default", "via", gateway, "dev", device]) is { } route)
            failed["network.gateway"] = route;
        return failed;
    }

    private static bool HasAddress(string device, string cidr)
    {
        var listing = new System.Text.StringBuilder();
        return SystemCommand.Run("ip", ["-o", "address", "show", "dev", device, "scope", "global"], output: listing) is null &&
            listing.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(cidr);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")]
    private static partial Regex InterfaceName();
}
