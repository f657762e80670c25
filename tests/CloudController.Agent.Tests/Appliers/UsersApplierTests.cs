using CloudController.Agent.Appliers;

namespace CloudController.Agent.Tests.Appliers;

public class UsersApplierTests
{
    private readonly UsersApplier _applier = new();

    [Fact]
    public void Each_user_gets_a_home_its_keys_and_its_password_owner_only()
    {
        using var root = new GuestRoot();
        var failed = _applier.Apply(new Dictionary<string, string>
        {
            ["users"] = " bob, alice ", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA alice\n\n", ["users.bob.password"] = "s3cret",
        }, root.Path);

        Assert.Empty(failed);
        Assert.Equal("alice\nbob\n", root.Read("etc/cloudcontroller/users"));
        Assert.True(Directory.Exists(Path.Combine(root.Path, "home", "bob")));
        Assert.Equal("ssh-ed25519 AAAA alice\n", root.Read("home/alice/.ssh/authorized_keys"));
        Assert.Equal("s3cret", root.Read("etc/cloudcontroller/passwords/bob"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, root.Mode("home/alice/.ssh/authorized_keys"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, root.Mode("etc/cloudcontroller/passwords/bob"));
    }

    [Fact]
    public void Keys_for_a_user_not_in_users_fail_naming_the_user()
    {
        using var root = new GuestRoot();
        var failed = _applier.Apply(new Dictionary<string, string> { ["users"] = "alice", ["ssh.authorized-keys.mallory"] = "ssh-rsa AAAA" }, root.Path);

        Assert.Equal("user mallory is not in users", Assert.Single(failed, f => f.Key == "ssh.authorized-keys.mallory").Value);
        Assert.False(root.Exists("home/mallory/.ssh/authorized_keys"));
    }

    [Fact]
    public void Removed_keys_are_removed_from_the_guest()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string> { ["users"] = "alice", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA" }, root.Path);
        _applier.Apply(new Dictionary<string, string> { ["users"] = "alice" }, root.Path);

        Assert.False(root.Exists("home/alice/.ssh/authorized_keys"));
    }
}
