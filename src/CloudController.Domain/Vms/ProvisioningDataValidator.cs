using System.Net;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Vms;

/// <summary>
/// Checks a change to provisioning data: key syntax and sizes for every key, and the type of the keys the guest agent
/// knows (host name, address, domain, users, SSH keys, network). Every bad key is reported with its fix.
/// </summary>
public static class ProvisioningDataValidator
{
    public const int MaxKeyLength = 128;
    public const int MaxValueBytes = 16 * 1024;
    public const int MaxTotalBytes = 256 * 1024;
    public const int MaxKeys = 512;

    public static IReadOnlyList<FieldError> Validate(ProvisioningData current, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> removed)
    {
        var errors = new List<FieldError>();
        if (set.Count == 0 && removed.Count == 0) errors.Add(new FieldError("set", "nothing to change", "give key=value pairs to set or keys to remove"));
        foreach (var key in set.Keys.Concat(removed))
        {
            if (KeyProblem(key) is { } problem)
                errors.Add(new FieldError($"data[{HostnameRules.Printable(key, 40)}]", problem, "use lower-case letters, digits, '.', '-' and '_', up to 128, e.g. app.db-url"));
        }
        foreach (var (key, value) in set)
        {
            if (KeyProblem(key) is not null) continue;
            var field = $"data[{key}]";
            if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxValueBytes)
                errors.Add(new FieldError(field, $"the value is over {MaxValueBytes / 1024} KiB", "keep a value small; put large files on a disk or fetch them from a URL"));
            else if (value.Any(c => char.IsControl(c) && c != '\n') || value.Contains('\u2028') || value.Contains('\u2029'))
                errors.Add(new FieldError(field, "the value has control characters", "use plain text; only newlines between lines are allowed"));
            else if (TypeProblem(key, value) is { } typed)
                errors.Add(new FieldError(field, typed.Problem, typed.Fix));
        }
        var next = current.With(set, removed);
        if (next.Values.Count > MaxKeys)
            errors.Add(new FieldError("data", $"the VM would hold {next.Values.Count} keys", $"keep to {MaxKeys} keys"));
        if (next.Values.Sum(v => v.Key.Length + System.Text.Encoding.UTF8.GetByteCount(v.Value)) > MaxTotalBytes)
            errors.Add(new FieldError("data", $"the VM's data would be over {MaxTotalBytes / 1024} KiB", "remove keys it no longer needs"));
        return errors;
    }

    private static string? KeyProblem(string key)
    {
        if (key.Length is 0 or > MaxKeyLength) return $"the key is {key.Length} characters long";
        if (!key.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-' or '_')) return $"the key '{HostnameRules.Printable(key, 40)}' has characters other than a-z, 0-9, '.', '-', '_'";
        if (key[0] is '.' or '-' || key[^1] is '.' or '-' || key.Contains("..")) return "the key starts or ends with '.' or '-', or has an empty part";
        return null;
    }

    private static (string Problem, string Fix)? TypeProblem(string key, string value)
    {
        switch (key)
        {
            case "hostname":
                return HostnameRules.NameProblem(value) is { } name ? ($"the host name {name}", "use a DNS name such as web-01") : null;
            case "ip" or "network.gateway":
                return IPAddress.TryParse(value, out _) ? null : ($"'{HostnameRules.Printable(value)}' is not an IP address", "use an address such as 10.0.0.5");
            case "network.prefix":
                return int.TryParse(value, out var bits) && bits is >= 0 and <= 128 ? null : ("the prefix length is not 0-128", "use e.g. 24");
            case "network.dns":
                return value.Split(',').All(a => IPAddress.TryParse(a.Trim(), out _)) ? null : ("the DNS servers are not IP addresses", "use a comma-separated list such as 10.0.0.2,10.0.0.3");
            case "domain":
                return HostnameRules.NameProblem(value) is { } domain ? ($"the domain {domain}", "use a DNS name such as corp.example.com") : null;
            case "users":
                return value.Split(',').Select(u => u.Trim()).FirstOrDefault(u => HostnameRules.CatalogNameProblem(u) is not null) is { } user
                    ? ($"'{HostnameRules.Printable(user)}' is not a user name", "use a comma-separated list of lower-case names such as alice,deploy")
                    : null;
        }
        if (key.StartsWith("ssh.authorized-keys.", StringComparison.Ordinal))
        {
            var bad = value.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => !(l.StartsWith("ssh-") || l.StartsWith("ecdsa-") || l.StartsWith("sk-")));
            return bad is null ? null : ("a line is not an SSH public key", "give one key per line, each starting with its type, e.g. ssh-ed25519 AAAA...");
        }
        return null;
    }
}
