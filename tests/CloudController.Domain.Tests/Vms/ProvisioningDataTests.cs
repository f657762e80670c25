using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Vms;

public class ProvisioningDataTests
{
    private static readonly VmRecord Vm = new("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "vm-1-disk", "task-1",
        DateTimeOffset.UnixEpoch);

    private static VmRecord Apply(VmRecord vm, Decision decision) => decision.Event is { } e ? vm.Apply(e) : vm;

    [Fact]
    public void Each_change_is_a_new_generation_and_repeating_one_changes_nothing()
    {
        var vm = Apply(Vm, Vm.ChangeData(new Dictionary<string, string> { ["app.mode"] = "blue", ["ip"] = "10.0.0.5" }, []));
        Assert.Equal(1, vm.DataOrEmpty.Generation);
        Assert.Same(Decision.AlreadyDone, vm.ChangeData(new Dictionary<string, string> { ["app.mode"] = "blue" }, ["nope"]));

        vm = Apply(vm, vm.ChangeData(new Dictionary<string, string> { ["app.mode"] = "green" }, ["ip"]));
        Assert.Equal(2, vm.DataOrEmpty.Generation);
        Assert.Equal(["app.mode"], vm.DataOrEmpty.Values.Keys);
    }

    [Fact]
    public void The_guest_acknowledges_forward_only_and_never_a_generation_it_was_not_sent()
    {
        var vm = Apply(Vm, Vm.ChangeData(new Dictionary<string, string> { ["a"] = "1" }, []));
        vm = Apply(vm, vm.ChangeData(new Dictionary<string, string> { ["a"] = "2" }, []));
        vm = Apply(vm, vm.AcknowledgeData(2, new Dictionary<string, string> { ["a"] = "no" }));
        Assert.Equal(2, vm.AppliedGeneration);
        Assert.Same(Decision.AlreadyDone, vm.AcknowledgeData(1, new Dictionary<string, string>()));
        Assert.Contains("was never sent", vm.AcknowledgeData(3, new Dictionary<string, string>()).Refusal);
        Assert.Equal("no", vm.FailedKeys!["a"]);
    }

    [Fact]
    public void Bad_keys_and_values_are_each_named_with_a_fix()
    {
        var set = new Dictionary<string, string>
        {
            ["hostname"] = "not a name", ["ip"] = "10.0.0.300", ["users"] = "alice,Bob", ["ssh.authorized-keys.alice"] = "hello",
            ["Bad Key"] = "x", ["app.blob"] = new string('x', 17 * 1024), ["app.ctl"] = "a\u0007b", ["network.dns"] = "10.0.0.2, nope",
        };
        var fields = ProvisioningDataValidator.Validate(ProvisioningData.Empty, set, []).Select(e => e.Field).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["data[Bad Key]", "data[app.blob]", "data[app.ctl]", "data[hostname]", "data[ip]", "data[network.dns]", "data[ssh.authorized-keys.alice]", "data[users]"], fields);
        Assert.Empty(ProvisioningDataValidator.Validate(ProvisioningData.Empty, new Dictionary<string, string>
        {
            ["hostname"] = "web-01", ["ip"] = "fe80::1", ["users"] = "alice,bob", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA a@b\nssh-rsa AAAB c@d",
        }, []));
    }

    [Fact]
    public void Secrets_are_masked_and_never_in_text()
    {
        var data = ProvisioningData.Empty.With(new Dictionary<string, string> { ["secret.db"] = "hunter2", ["users.alice.password"] = "pw", ["app.x"] = "1" }, []);
        Assert.Equal("********", data.Masked()["secret.db"]);
        Assert.Equal("********", data.Masked()["users.alice.password"]);
        Assert.Equal("1", data.Masked()["app.x"]);
        Assert.DoesNotContain("hunter2", data.ToString());
    }
}
