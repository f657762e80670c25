using CloudController.Agent.Appliers;

namespace CloudController.Agent.Tests.Appliers;

public class HostnameApplierTests
{
    private readonly HostnameApplier _applier = new();

    [Fact]
    public void Writes_the_name_and_the_hosts_line_with_the_domain_and_address()
    {
        using var root = new GuestRoot();
        var failed = _applier.Apply(new Dictionary<string, string> { ["hostname"] = "web-1", ["domain"] = "example.org", ["ip"] = "10.0.0.5" }, root.Path);

        Assert.Empty(failed);
        Assert.Equal("web-1\n", root.Read("etc/hostname"));
        Assert.Equal("127.0.0.1 localhost\n10.0.0.5 web-1.example.org web-1\n", root.Read("etc/hosts"));
    }

    [Fact]
    public void Without_an_address_or_domain_the_name_maps_to_the_loopback_alias()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string> { ["hostname"] = "db" }, root.Path);

        Assert.Equal("127.0.0.1 localhost\n127.0.1.1 db db\n", root.Read("etc/hosts"));
    }

    [Fact]
    public void Without_a_hostname_it_leaves_the_guest_alone()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string> { ["domain"] = "example.org" }, root.Path);

        Assert.False(root.Exists("etc/hostname"));
        Assert.False(root.Exists("etc/hosts"));
    }

    [Theory]
    [InlineData("hostname", true)]
    [InlineData("domain", true)]
    [InlineData("ip", false)]
    [InlineData("hostname.extra", false)]
    public void Owns_only_the_hostname_and_domain(string key, bool owned) => Assert.Equal(owned, _applier.Owns(key));
}
