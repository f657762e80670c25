using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Catalog;

public class StagingTests
{
    private static readonly VmIdentity Original = new("5c3f9d2e-0000-4000-8000-000000000001", "golden-image", ["52:54:00:12:34:56"]);

    private static readonly ModelVm Model = new("web", "ubuntu-24.04", ["nginx"], new Resources(2, 4096, 40),
        new Resources(1, 1024, 10), "web.img", DateTimeOffset.UnixEpoch, Original);

    [Fact]
    public void Staging_strips_the_identity_and_schedules_a_new_one_on_first_start()
    {
        var staged = Staging.Stage(Model);
        Assert.Null(staged.Model.Identity);
        Assert.Equal([Staging.AssignIdentity], staged.LaunchSteps.ToArray());
        Assert.Equal(Model with { Identity = null }, staged.Model);
    }

    [Fact]
    public void Every_deployed_VM_gets_an_identity_of_its_own()
    {
        var identities = Enumerable.Range(0, 200).Select(i => VmIdentity.Assign($"web-{i}", nics: 2)).ToList();

        Assert.All(identities, id => Assert.NotEqual(Original.MachineId, id.MachineId));
        Assert.All(identities, id => Assert.DoesNotContain(Original.Macs[0], id.Macs));
        Assert.Equal(200, identities.Select(i => i.MachineId).Distinct().Count());
        Assert.Equal(400, identities.SelectMany(i => i.Macs).Distinct().Count());
        Assert.All(identities.SelectMany(i => i.Macs), mac =>
        {
            var first = Convert.ToByte(mac[..2], 16);
            Assert.Equal(0b10, first & 0b11); // locally administered, unicast
        });
    }

    [Fact]
    public void A_model_identity_with_a_bad_MAC_is_refused()
    {
        var bad = Model with { Identity = Original with { Macs = ImmutableArray.Create("zz:zz") } };
        Assert.Equal("identity.macs[0]", ProvisionRequestValidator.ValidateModel(bad).Single().Field);
    }
}
