using CloudController.Agent.Appliers;

namespace CloudController.Agent.Tests.Appliers;

public class AppDataApplierTests
{
    private readonly AppDataApplier _applier = new([new HostnameApplier(), new NetworkApplier(), new UsersApplier()]);

    [Theory]
    [InlineData("app.port", true)]
    [InlineData("secret.db-password", true)]
    [InlineData("guest.token", false)]
    [InlineData("activation.bundle", false)]
    [InlineData("controller.endpoint", false)]
    [InlineData("hostname", false)]
    [InlineData("network.gateway", false)]
    [InlineData("ssh.authorized-keys.alice", false)]
    public void Owns_what_no_other_applier_and_not_the_agent_owns(string key, bool owned) => Assert.Equal(owned, _applier.Owns(key));

    [Fact]
    public void Writes_its_keys_sorted_into_an_owner_only_store_and_refuses_multi_line_values()
    {
        using var root = new GuestRoot();
        var failed = _applier.Apply(new Dictionary<string, string>
        {
            ["z.last"] = "1", ["app.port"] = "8080", ["app.motd"] = "two\nlines", ["hostname"] = "web-1", ["guest.token"] = "t",
        }, root.Path);

        Assert.Equal("a multi-line value cannot go into the key=value store", Assert.Single(failed, f => f.Key == "app.motd").Value);
        Assert.Single(failed);
        Assert.Equal("app.port=8080\nz.last=1\n", root.Read("etc/cloudcontroller/data.env"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, root.Mode("etc/cloudcontroller/data.env"));
    }
}
