namespace CloudController.Agent.Appliers;

/// <summary>
/// users, ssh.authorized-keys.&lt;user&gt; and &lt;user&gt;.password: the accounts the guest should have, each with a
/// home, its authorized keys (owner-only) and its password (owner-only). Keys for a user not in users fail.
/// </summary>
public sealed class UsersApplier : IDataApplier
{
    private const string KeysPrefix = "ssh.authorized-keys.";

    public bool Owns(string key) => key == "users" || key.StartsWith(KeysPrefix, StringComparison.Ordinal) || key.StartsWith("users.", StringComparison.Ordinal);

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        var failed = new Dictionary<string, string>();
        var users = data.GetValueOrDefault("users", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        GuestFiles.Write(root, "etc/cloudcontroller/users", string.Join("\n", users.Order()) + "\n");
        foreach (var user in users)
        {
            Directory.CreateDirectory(Path.Combine(root, "home", user));
            if (data.TryGetValue($"{KeysPrefix}{user}", out var keys)) GuestFiles.Write(root, $"home/{user}/.ssh/authorized_keys", keys.TrimEnd() + "\n", secret: true);
            else GuestFiles.Delete(root, $"home/{user}/.ssh/authorized_keys");
            if (data.TryGetValue($"users.{user}.password", out var password)) GuestFiles.Write(root, $"etc/cloudcontroller/passwords/{user}", password, secret: true);
        }
        foreach (var key in data.Keys.Where(k => k.StartsWith(KeysPrefix, StringComparison.Ordinal) && !users.Contains(k[KeysPrefix.Length..])))
            failed[key] = $"user {key[KeysPrefix.Length..]} is not in users";
        return failed;
    }
}
