using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.ReadModels;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using Xunit.Abstractions;
using static CloudController.Cluster.Catalog.SoftwareEntryProtocol;

namespace CloudController.Cluster.Tests.Catalog;

public class SoftwareEntryActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly OsDefinition Ubuntu = new("ubuntu", "linux", "24.04", new Resources(1, 1024, 10), 1.5);
    private static readonly AppDefinition Nginx = new("nginx", ["linux"], new Resources(1, 256, 1), 1.2);
    private static readonly HardwareProfile Small = new("small", new Resources(1, 2048, 20));

    [Fact]
    public void Answers_each_change_with_its_kind_and_name_and_then_asks_to_be_passivated()
    {
        var shard = CreateTestProbe();
        var entry = shard.ChildActorOf(SoftwareEntryActor.Props(KeyOf(SoftwareEntryKind.Os, "ubuntu")));

        entry.Tell(new DefineOs(Ubuntu), TestActor);
        ExpectMsg(new EntryChanged(SoftwareEntryKind.Os, "ubuntu"));
        // It holds nothing the read models do not: it need not stay in memory once the change is written.
        shard.ExpectMsg<Passivate>();

        entry.Tell(new RemoveEntry(SoftwareEntryKind.Os, "ubuntu"), TestActor);
        ExpectMsg(new EntryChanged(SoftwareEntryKind.Os, "ubuntu"));
    }

    [Fact]
    public void Its_changes_reach_the_catalog_read_model_of_a_node_started_afterwards_in_journal_order()
    {
        var defaults = SoftwareCatalog.Of([Ubuntu with { ServicePack = "22.04" }], [], [Small]);
        Sys.ActorOf(SoftwareEntryActor.Props("os:ubuntu")).Tell(new DefineOs(Ubuntu), TestActor);
        ExpectMsg<EntryChanged>();
        Sys.ActorOf(SoftwareEntryActor.Props("app:nginx")).Tell(new DefineApp(Nginx), TestActor);
        ExpectMsg<EntryChanged>();
        var profile = Sys.ActorOf(SoftwareEntryActor.Props("profile:small"));
        profile.Tell(new DefineProfile(Small with { Hardware = new Resources(2, 4096, 40) }), TestActor);
        ExpectMsg<EntryChanged>();
        profile.Tell(new RemoveEntry(SoftwareEntryKind.Profile, "small"), TestActor);
        ExpectMsg<EntryChanged>();

        var directory = Restart().ActorOf(ProjectionActor<SoftwareCatalogDirectory>.Props(new SoftwareCatalogDirectory(defaults)));
        AwaitAssert(() =>
        {
            var catalog = directory.Ask<SoftwareCatalog>(new ProjectionQuery<SoftwareCatalogDirectory>(d => d.Catalog), TimeSpan.FromSeconds(3)).Result;
            Assert.Equal(Ubuntu, catalog.Os("ubuntu"));
            Assert.Equal(Nginx.Name, catalog.App("nginx")?.Name);
            Assert.Empty(catalog.Profiles);
        }, TimeSpan.FromSeconds(20));
    }
}
