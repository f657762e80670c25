using System.Text.RegularExpressions;

namespace CloudController.Agent.Appliers;

/// <summary>
/// users, ssh.authorized-keys.&lt;user&gt; and users.&lt;user&gt;.password: the guest's accounts, made with the
/// guest's own useradd (its home too) in the passwd and shadow files under the root; each password hashed by chpasswd
/// with SHA-512 crypt, handed to it on standard input (never a file, never an argument); each user's authorized keys
/// in ~/.ssh, owner-only and owned by the user. Keys for a user not in users fail. A user dropped from users keeps
/// the account: deleting one (and its home) is an operator's decision, not a data change's.
/// </summary>
public sealed partial class UsersApplier : IDataApplier
{
    private const string KeysPrefix = "ssh.authorized-keys.";

    public bool Owns(string key) => key == "users" || key.StartsWith(KeysPrefix, StringComparison.Ordinal) || key.StartsWith("users.", StringComparison.Ordinal);

    public IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root)
    {
        var failed = new Dictionary<string, string>();
        var users = data.GetValueOrDefault("users", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        foreach (var bad in users.Where(u => !UserName().IsMatch(u)).ToList())
        {
            failed["users"] = $"'{bad}' is not a user name: a lowercase letter or '_', then up to 31 lowercase letters, digits, '_', '-'";
            users.Remove(bad);
        }
        GuestFiles.Write(root, "etc/cloudcontroller/users", string.Join("\n", users.Order()) + "\n");
        // An older agent kept passwords there in clear.
        var plaintext = Path.Combine(root, "etc/cloudcontroller/passwords");
        if (Directory.Exists(plaintext)) Directory.Delete(plaintext, recursive: true);

        foreach (var user in users.Order())
        {
            var account = GuestAccounts.Find(root, user);
            if (account is null)
            {
                if (GuestAccounts.Add(root, user) is { } why)
                {
                    failed["users"] = why;
                    continue;
                }
                account = GuestAccounts.Find(root, user)!;
            }
            var keysKey = $"{KeysPrefix}{user}";
            if (data.TryGetValue(keysKey, out var keys)) { if (GuestAccounts.WriteAuthorizedKeys(root, account, keys) is { } why) failed[keysKey] = why; }
            else GuestFiles.Delete(root, Path.Combine(account.Home.TrimStart('/'), ".ssh/authorized_keys"));

            var passwordKey = $"users.{user}.password";
            if (!data.TryGetValue(passwordKey, out var password)) continue;
            if (password.Contains('\n') || password.Length == 0) failed[passwordKey] = "a password is one non-empty line";
            else if (GuestAccounts.SetPassword(root, user, password) is { } why) failed[passwordKey] = why;
        }
        foreach (var key in data.Keys.Where(k => k.StartsWith(KeysPrefix, StringComparison.Ordinal) && !users.Contains(k[KeysPrefix.Length..])))
            failed[key] = $"user {key[KeysPrefix.Length..]} is not in users";
        return failed;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserName();
}
