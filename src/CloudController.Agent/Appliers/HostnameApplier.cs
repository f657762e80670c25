using System.Text.RegularExpressions;

namespace CloudController.Agent.Appliers;

/// <summary>
/// hostname and domain: /etc/hostname and the host's own line in /etc/hosts and, when live, the kernel's host name
/// (hostname(1), sethostname(2) underneath), so a running clone stops answering to its parent's name without a reboot.
/// </summary>
public sealed partial class HostnameApplier(bool live = false) : IDataApplier
{
    public bool Owns(string key) => key is "hostname" or "domain";

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        var failed = new Dictionary<string, string>();
        if (!data.TryGetValue("hostname", out var name)) return failed;
        if (!Label().IsMatch(name))
        {
            failed["hostname"] = $"'{name}' is not a host name: 1 to 63 letters, digits and inner hyphens";
            return failed;
        }
        var fqdn = data.TryGetValue("domain", out var domain) ? $"{name}.{domain}" : name;
        GuestFiles.Write(root, "etc/hostname", name + "\n");
        GuestFiles.Write(root, "etc/hosts", $"127.0.0.1 localhost\n{data.GetValueOrDefault("ip", "127.0.1.1")} {fqdn} {name}\n");
        if (live && SystemCommand.Run("hostname", [name]) is { } why) failed["hostname"] = why;
        return failed;
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex Label();
}
