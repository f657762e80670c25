using CloudController.Agent.Appliers;

namespace CloudController.Agent.Tests.Appliers;

public class NetworkApplierTests
{
    private const string File = "etc/network/interfaces.d/cloudcontroller";
    private readonly NetworkApplier _applier = new();

    [Fact]
    public void A_static_address_gets_its_prefix_gateway_and_name_servers()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string>
        {
            ["ip"] = "10.1.2.3", ["network.prefix"] = "16", ["network.gateway"] = "10.1.0.1", ["network.dns"] = "1.1.1.1,9.9.9.9",
        }, root.Path);

        Assert.Equal(
            "auto eth0\niface eth0 inet static\n    address 10.1.2.3/16\n    gateway 10.1.0.1\n    dns-nameservers 1.1.1.1 9.9.9.9\n",
            root.Read(File));
    }

    [Fact]
    public void The_prefix_defaults_to_24_and_absent_settings_are_left_out()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string> { ["ip"] = "192.168.0.9" }, root.Path);

        Assert.Equal("auto eth0\niface eth0 inet static\n    address 192.168.0.9/24\n", root.Read(File));
    }

    [Fact]
    public void A_removed_address_removes_the_configuration()
    {
        using var root = new GuestRoot();
        _applier.Apply(new Dictionary<string, string> { ["ip"] = "192.168.0.9" }, root.Path);
        _applier.Apply(new Dictionary<string, string> { ["network.gateway"] = "192.168.0.1" }, root.Path);

        Assert.False(root.Exists(File));
    }
}
