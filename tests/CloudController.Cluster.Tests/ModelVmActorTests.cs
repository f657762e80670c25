using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Cluster.Catalog;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using Xunit.Abstractions;
using static CloudController.Cluster.Catalog.ModelVmProtocol;

namespace CloudController.Cluster.Tests;

public class ModelVmActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly ModelVm Ubuntu = new(
        "ubuntu", "ubuntu-24.04", ["nginx"], new Resources(2, 4096, 40), new Resources(1, 1024, 10),
        "ubuntu-24.04.qcow2", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Registers_once_accepts_the_same_definition_again_and_refuses_a_different_one()
    {
        var model = Sys.ActorOf(ModelVmActor.Props("ubuntu"));

        model.Tell(new RegisterModel(Ubuntu), TestActor);
        Assert.Equal(Ubuntu, ExpectMsg<ModelStatus>().Model);

        model.Tell(new RegisterModel(Ubuntu with { RegisteredAt = DateTimeOffset.UtcNow }), TestActor);
        Assert.Equal(Ubuntu, ExpectMsg<ModelStatus>().Model);

        model.Tell(new RegisterModel(Ubuntu with { Os = "debian-12" }), TestActor);
        Assert.Contains("already registered", ExpectMsg<ModelRefused>().Reason);
    }

    [Fact]
    public void Recovers_its_model_from_the_journal_and_forgets_it_once_removed()
    {
        var model = Sys.ActorOf(ModelVmActor.Props("ubuntu"));
        model.Tell(new RegisterModel(Ubuntu with { Apps = ImmutableArray.Create("nginx", "postgres") }), TestActor);
        ExpectMsg<ModelStatus>();

        var restarted = Restart().ActorOf(ModelVmActor.Props("ubuntu"));
        restarted.Tell(new GetModel("ubuntu"), TestActor);
        Assert.Equal(["nginx", "postgres"], ExpectMsg<ModelStatus>().Model.Apps.ToArray());

        restarted.Tell(new RemoveModel("ubuntu"), TestActor);
        ExpectMsg<ModelApplied>();

        Restart().ActorOf(ModelVmActor.Props("ubuntu")).Tell(new GetModel("ubuntu"), TestActor);
        ExpectMsg<ModelNotFound>();
    }
}
