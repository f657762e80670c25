using CloudController.Agent.Appliers;

namespace CloudController.Agent.Tests.Appliers;

/// <summary>Accounts made under a throwaway root with the system's useradd and chpasswd: the host's own files are untouched.</summary>
public class UsersApplierTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly UsersApplier _applier = new();

    [SkippableFact]
    public void Each_user_gets_an_account_a_home_its_keys_owned_by_it_and_a_hashed_password()
    {
        GuestRoot.SkipUnlessRoot();
        using var root = new GuestRoot().WithAccounts();
        var failed = _applier.Apply(new Dictionary<string, string>
        {
            ["users"] = " bob, alice ", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA alice\n\n", ["users.bob.password"] = "s3cret-marker",
        }, root.Path);

        Assert.Empty(failed);
        Assert.Equal("alice\nbob\n", root.Read("etc/cloudcontroller/users"));
        var alice = GuestAccounts.Find(root.Path, "alice")!;
        Assert.Equal("/home/alice", alice.Home);
        Assert.True(Directory.Exists(Path.Combine(root.Path, "home", "bob")));
        Assert.Equal("ssh-ed25519 AAAA alice\n", root.Read("home/alice/.ssh/authorized_keys"));
        Assert.Equal(OwnerOnly, root.Mode("home/alice/.ssh/authorized_keys"));
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, root.Mode("home/alice/.ssh"));
        Assert.Equal(alice.Uid, Owner(Path.Combine(root.Path, "home/alice/.ssh/authorized_keys")));
        Assert.Equal(alice.Uid, Owner(Path.Combine(root.Path, "home/alice/.ssh")));

        var bob = File.ReadLines(Path.Combine(root.Path, "etc/shadow")).Single(l => l.StartsWith("bob:", StringComparison.Ordinal)).Split(':')[1];
        Assert.StartsWith("$6$", bob);
        Assert.False(Directory.Exists(Path.Combine(root.Path, "etc/cloudcontroller/passwords")));
        Assert.DoesNotContain(Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories),
            f => File.ReadAllText(f).Contains("s3cret-marker", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Applying_again_keeps_the_accounts_and_a_new_password_replaces_the_hash()
    {
        GuestRoot.SkipUnlessRoot();
        using var root = new GuestRoot().WithAccounts();
        _applier.Apply(new Dictionary<string, string> { ["users"] = "bob", ["users.bob.password"] = "one" }, root.Path);
        var first = Hash(root, "bob");
        var failed = _applier.Apply(new Dictionary<string, string> { ["users"] = "bob", ["users.bob.password"] = "two" }, root.Path);

        Assert.Empty(failed);
        Assert.Single(File.ReadLines(Path.Combine(root.Path, "etc/passwd")), l => l.StartsWith("bob:", StringComparison.Ordinal));
        Assert.NotEqual(first, Hash(root, "bob"));
    }

    [SkippableFact]
    public void Keys_for_a_user_not_in_users_fail_naming_the_user()
    {
        GuestRoot.SkipUnlessRoot();
        using var root = new GuestRoot().WithAccounts();
        var failed = _applier.Apply(new Dictionary<string, string> { ["users"] = "alice", ["ssh.authorized-keys.mallory"] = "ssh-rsa AAAA" }, root.Path);

        Assert.Equal("user mallory is not in users", Assert.Single(failed, f => f.Key == "ssh.authorized-keys.mallory").Value);
        Assert.False(root.Exists("home/mallory/.ssh/authorized_keys"));
    }

    [SkippableFact]
    public void Removed_keys_are_removed_from_the_guest()
    {
        GuestRoot.SkipUnlessRoot();
        using var root = new GuestRoot().WithAccounts();
        _applier.Apply(new Dictionary<string, string> { ["users"] = "alice", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA" }, root.Path);
        _applier.Apply(new Dictionary<string, string> { ["users"] = "alice" }, root.Path);

        Assert.False(root.Exists("home/alice/.ssh/authorized_keys"));
    }

    [Fact]
    public void A_user_name_that_is_not_one_fails_without_running_anything()
    {
        using var root = new GuestRoot();
        var failed = _applier.Apply(new Dictionary<string, string> { ["users"] = "--help,Root" }, root.Path);

        Assert.Contains("is not a user name", failed["users"]);
        Assert.Equal("\n", root.Read("etc/cloudcontroller/users"));
    }

    private static string Hash(GuestRoot root, string user) =>
        File.ReadLines(Path.Combine(root.Path, "etc/shadow")).Single(l => l.StartsWith(user + ":", StringComparison.Ordinal)).Split(':')[1];

    private static int Owner(string path)
    {
        var output = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var text = output.StandardOutput.ReadToEnd();
        output.WaitForExit();
        return int.Parse(text.Trim());
    }
}
