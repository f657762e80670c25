using CloudController.Domain.InstantClone;

namespace CloudController.Domain.Tests.InstantClone;

public class ReplicaMapTests
{
    private static readonly ForkTemplate Template = new("tpl", "ubuntu", "img", 10, new Resources(1, 4096, 20), 64,
        [new ParentCustomization("add-data-disk", 2)]);

    private static ReplicaMap Apply(ReplicaMap map, Decision decision) => decision.Event is { } e ? map.Apply(e) : map;

    [Fact]
    public void A_host_gets_one_replica_however_often_it_is_asked_for()
    {
        var map = Apply(ReplicaMap.Empty, ReplicaMap.Empty.Define(Template));
        var first = map.StartReplica("h1");
        map = Apply(map, first);

        Assert.Equal(new ReplicaCreating("h1", "replica-tpl-h1"), first.Event);
        Assert.Same(Decision.AlreadyDone, map.StartReplica("h1"));
        map = Apply(map, map.MarkReady("h1"));
        Assert.Same(Decision.AlreadyDone, map.StartReplica("h1"));
        Assert.Equal(ReplicaState.Ready, map.Replicas["h1"].State);
    }

    [Fact]
    public void A_template_with_replicas_cannot_be_redefined_and_an_undefined_one_makes_none()
    {
        Assert.Equal("the template is not defined", ReplicaMap.Empty.StartReplica("h1").Refusal);
        var map = Apply(ReplicaMap.Empty, ReplicaMap.Empty.Define(Template));
        Assert.Same(Decision.AlreadyDone, map.Define(Template with { Customizations = [new ParentCustomization("add-data-disk", 2)] }));
        map = Apply(map, map.StartReplica("h1"));
        Assert.Contains("remove them before redefining", map.Define(Template with { ChildPrivateMemoryMib = 128 }).Refusal);
        map = Apply(map, map.Remove("h1", "done"));
        Assert.False(map.Define(Template with { ChildPrivateMemoryMib = 128 }).IsRefused);
    }

    [Fact]
    public void Template_validation_names_each_field()
    {
        var bad = Template with
        {
            Name = "Bad Name", Hardware = new Resources(1, 512, 20), ChildPrivateMemoryMib = 0,
            Customizations = [new ParentCustomization("x", 11), new ParentCustomization("x", 1)],
        };
        var fields = ForkTemplateValidator.Validate(bad, new Resources(1, 1024, 10)).Select(e => e.Field).ToList();
        Assert.Equal(["name", "hardware", "childPrivateMemoryMib", "customizations[0].reboots", "customizations[1].name"], fields);
    }
}
