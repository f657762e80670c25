using System.Net;
using System.Net.Sockets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CloudController.Hypervisor.CloudInit;

/// <summary>
/// The three files of a cloud-init NoCloud seed, made from a VM's provisioning data: <c>meta-data</c> (instance id,
/// host name), <c>user-data</c> (<c>#cloud-config</c>: host name, users with hashed passwords and SSH keys, app keys
/// into the agent's key=value store, the first-boot activation call) and <c>network-config</c> (version 2: the
/// static address when <c>ip</c> is given, DHCP otherwise). Every value is a double-quoted YAML scalar written by
/// YamlDotNet, so no value (a newline, a colon, '#', a tag) can add a key or change a type.
/// </summary>
public sealed record NoCloudSeed(string MetaData, string UserData, string NetworkConfig)
{
    /// <summary>Where app keys land in the guest: the key=value store cc-agent keeps too.</summary>
    public const string AppStore = "/etc/cloudcontroller/data.env";

    /// <summary>Activation's inputs, on the guest's tmpfs: the one-time token is gone after a reboot.</summary>
    public const string ActivationData = "/run/cloudcontroller/activation.env";

    /// <summary>The interface the seed configures, matched by the MAC the driver gives the VM's NIC.</summary>
    public const string Interface = "eth0";

    private const string KeysPrefix = "ssh.authorized-keys.";

    /// <param name="instanceId">cloud-init runs its once-per-instance modules (users, keys, files) again when it changes.</param>
    /// <param name="hostname">The VM's host name, used when the data has no <c>hostname</c>.</param>
    /// <param name="mac">The MAC of the VM's NIC, which the network configuration is bound to.</param>
    /// <param name="hashPassword">Turns a password into a crypt hash (<see cref="Sha512Crypt.Hash(string)"/>).</param>
    public static NoCloudSeed Render(string instanceId, string hostname, string mac, IReadOnlyDictionary<string, string> data, Func<string, string> hashPassword)
    {
        var name = data.GetValueOrDefault("hostname", hostname);
        var meta = Map(("instance-id", Text(instanceId)), ("local-hostname", Text(name)));
        return new NoCloudSeed(Write(meta), "#cloud-config\n" + Write(CloudConfig(name, data, hashPassword)), Write(Network(mac, data)));
    }

    /// <summary>
    /// The instance id a seed carries once its data changed: cloud-init applies users, keys and files once per
    /// instance, so a VM that has booted gets a new id when a key the seed renders changed (its VM id and the new
    /// generation), to be applied at its next boot. Before its first boot, or when only the agent's own keys
    /// (<c>guest.*</c>, never in the seed) changed, the id stays.
    /// </summary>
    public static string InstanceAfter(string vmId, string? current, bool booted, IReadOnlyDictionary<string, string>? before, IReadOnlyDictionary<string, string> after, long generation)
    {
        static IEnumerable<KeyValuePair<string, string>> Seeded(IReadOnlyDictionary<string, string>? data) =>
            (data ?? new Dictionary<string, string>()).Where(d => !d.Key.StartsWith("guest.", StringComparison.Ordinal)).OrderBy(d => d.Key, StringComparer.Ordinal);
        var changed = !Seeded(before).SequenceEqual(Seeded(after));
        return booted && changed ? $"{vmId}-{generation}" : current ?? vmId;
    }

    /// <summary>App keys: what the key=value store holds (the keys cloud-init and the agent interpret stay out).</summary>
    public static bool IsAppKey(string key) =>
        !key.StartsWith("guest.", StringComparison.Ordinal) && !key.StartsWith("activation.", StringComparison.Ordinal) &&
        !key.StartsWith("controller.", StringComparison.Ordinal) && !key.StartsWith("network.", StringComparison.Ordinal) &&
        !key.StartsWith("users.", StringComparison.Ordinal) && !key.StartsWith(KeysPrefix, StringComparison.Ordinal) &&
        key is not ("hostname" or "domain" or "ip" or "users");

    private static YamlMappingNode CloudConfig(string name, IReadOnlyDictionary<string, string> data, Func<string, string> hashPassword)
    {
        var config = Map(
            ("hostname", Text(name)),
            ("preserve_hostname", Flag(false)),
            ("manage_etc_hosts", Flag(true)),
            // A new instance id (data changed) must not replace the VM's SSH host keys.
            ("ssh_deletekeys", Flag(false)));
        if (data.TryGetValue("domain", out var domain)) config.Add("fqdn", Text($"{name}.{domain}"));

        var users = new YamlSequenceNode();
        foreach (var user in data.GetValueOrDefault("users", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct())
        {
            var entry = Map(("name", Text(user)), ("shell", Text("/bin/bash")));
            if (data.TryGetValue($"users.{user}.password", out var password))
            {
                entry.Add("lock_passwd", Flag(false));
                entry.Add("hashed_passwd", Text(hashPassword(password)));
            }
            if (data.TryGetValue(KeysPrefix + user, out var keys))
                entry.Add("ssh_authorized_keys", List(keys.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            users.Add(entry);
        }
        if (users.Children.Count > 0) config.Add("users", users);

        var files = new YamlSequenceNode();
        // One line per key, as the agent writes the store; a multi-line value would add lines, so it stays out.
        var store = data.Where(d => IsAppKey(d.Key) && !d.Value.Contains('\n')).OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}\n");
        if (store.Any()) files.Add(File(AppStore, string.Concat(store)));
        if (data.TryGetValue("activation.token", out _) && data.TryGetValue("controller.endpoint", out var endpoint))
        {
            var inputs = new[] { "activation.token", "controller.key", "hostname", "ip" }
                .Where(k => data.TryGetValue(k, out var v) && !v.Contains('\n')).Select(k => $"{k}={data[k]}\n");
            files.Add(File(ActivationData, string.Concat(inputs)));
            config.Add("runcmd", new YamlSequenceNode((YamlNode)List(["cc-agent", "activate", "--endpoint", endpoint, "--data", ActivationData, "--root", "/"])));
        }
        if (files.Children.Count > 0) config.Add("write_files", files);
        return config;
    }

    private static YamlMappingNode Network(string mac, IReadOnlyDictionary<string, string> data)
    {
        var nic = Map(("match", Map(("macaddress", Text(mac)))), ("set-name", Text(Interface)));
        if (data.TryGetValue("ip", out var ip) && IPAddress.TryParse(ip, out var address))
        {
            var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
            nic.Add("addresses", List([$"{ip}/{data.GetValueOrDefault("network.prefix", v6 ? "64" : "24")}"]));
            if (data.TryGetValue("network.gateway", out var gateway)) nic.Add(v6 ? "gateway6" : "gateway4", Text(gateway));
            if (data.TryGetValue("network.dns", out var dns))
                nic.Add("nameservers", Map(("addresses", List(dns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))));
        }
        else
        {
            nic.Add("dhcp4", Flag(true));
        }
        return Map(("version", new YamlScalarNode("2")), ("ethernets", Map((Interface, nic))));
    }

    private static YamlMappingNode File(string path, string content) =>
        Map(("path", Text(path)), ("permissions", Text("0600")), ("owner", Text("root:root")), ("content", Text(content)));

    private static YamlMappingNode Map(params (string Key, YamlNode Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in entries) map.Add(new YamlScalarNode(key), value);
        return map;
    }

    private static YamlSequenceNode List(IEnumerable<string> items) => new(items.Select(Text));

    /// <summary>A value from the data: always a double-quoted string, whatever it contains.</summary>
    private static YamlScalarNode Text(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };

    private static YamlScalarNode Flag(bool value) => new(value ? "true" : "false");

    private static string Write(YamlNode root)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream ends a document with "...": valid YAML, but the seed files are plain single documents.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }
}
