namespace CloudController.Agent.Appliers;

/// <summary>One account as the guest's /etc/passwd under the root has it.</summary>
public sealed record GuestAccount(string Name, int Uid, int Gid, string Home);

/// <summary>
/// The guest's accounts through its own tools, confined to the root: useradd --prefix (the passwd, group and shadow
/// files under the root, no chroot) and chpasswd --root (a chroot); at / they act on the running system directly.
/// </summary>
public static class GuestAccounts
{
    public static GuestAccount? Find(string root, string user)
    {
        var passwd = Path.Combine(root, "etc/passwd");
        if (!File.Exists(passwd)) return null;
        foreach (var line in File.ReadLines(passwd))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && f[0] == user && int.TryParse(f[2], out var uid) && int.TryParse(f[3], out var gid))
                return new GuestAccount(user, uid, gid, f[5]);
        }
        return null;
    }

    /// <returns>Null when added, otherwise why not.</returns>
    public static string? Add(string root, string user)
    {
        // A group of the user's name may be there already (made by hand, or left by a deleted user): join it.
        var group = File.Exists(Path.Combine(root, "etc/group")) && File.ReadLines(Path.Combine(root, "etc/group")).Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        string[] arguments = [.. Prefix(root, "--prefix"), "--create-home", "--shell", "/bin/sh", .. group ? new[] { "--gid", user } : ["--user-group"], user];
        return SystemCommand.Run("useradd", arguments);
    }

    /// <summary>Hashed by chpasswd with SHA-512 crypt; the clear password only ever on its standard input.</summary>
    public static string? SetPassword(string root, string user, string password) =>
        SystemCommand.Run("chpasswd", [.. Prefix(root, "--root"), "--crypt-method", "SHA512"], $"{user}:{password}\n");

    /// <summary>~/.ssh (0700) and its authorized_keys (0600, created so), both owned by the user, as sshd requires.</summary>
    public static string? WriteAuthorizedKeys(string root, GuestAccount account, string keys)
    {
        var ssh = Path.Combine(root, account.Home.TrimStart('/'), ".ssh");
        // The user owns the home: a link there could point root's writes at any file.
        if (new DirectoryInfo(ssh).LinkTarget is not null) return $"{account.Home}/.ssh is a symbolic link; the keys are not written through it";
        if (OperatingSystem.IsWindows()) return "accounts are made on Linux guests only";
        Directory.CreateDirectory(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        GuestFiles.Write(root, Path.Combine(account.Home.TrimStart('/'), ".ssh/authorized_keys"), keys.TrimEnd() + "\n", secret: true);
        return SystemCommand.Run("chown", ["-R", $"{account.Uid}:{account.Gid}", ssh]);
    }

    private static string[] Prefix(string root, string option) =>
        Path.GetFullPath(root) == "/" ? [] : [option, Path.GetFullPath(root)];
}
