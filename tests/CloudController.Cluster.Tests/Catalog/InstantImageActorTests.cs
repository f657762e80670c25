using CloudController.Cluster.Catalog;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using Xunit.Abstractions;
using static CloudController.Cluster.Catalog.InstantImageProtocol;

namespace CloudController.Cluster.Tests.Catalog;

public class InstantImageActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly InstantImage WebReady = new(
        "web-ready", "ubuntu", "qemu", "hv-1", "vm-1", new Resources(2, 2048, 20), "ubuntu-24.04", 10,
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Registers_once_accepts_the_same_image_again_whenever_made_and_refuses_another_under_its_name()
    {
        var image = Sys.ActorOf(InstantImageActor.Props("web-ready"));

        image.Tell(new RegisterImage(WebReady), TestActor);
        Assert.Equal(WebReady, ExpectMsg<ImageStatus>().Image);

        image.Tell(new RegisterImage(WebReady with { CreatedAt = DateTimeOffset.UtcNow }), TestActor);
        Assert.Equal(WebReady, ExpectMsg<ImageStatus>().Image);

        image.Tell(new RegisterImage(WebReady with { SourceVmId = "vm-2" }), TestActor);
        Assert.Contains("already exists; choose another name", ExpectMsg<ImageRefused>().Reason);
    }

    [Fact]
    public void Recovers_its_image_from_the_journal_and_once_removed_is_not_found_after_a_restart()
    {
        Sys.ActorOf(InstantImageActor.Props("web-ready")).Tell(new RegisterImage(WebReady), TestActor);
        ExpectMsg<ImageStatus>();

        var restarted = Restart().ActorOf(InstantImageActor.Props("web-ready"));
        restarted.Tell(new GetImage("web-ready"), TestActor);
        Assert.Equal(WebReady, ExpectMsg<ImageStatus>().Image);

        restarted.Tell(new RemoveImage("web-ready"), TestActor);
        Assert.Equal(WebReady, ExpectMsg<ImageApplied>().Image);
        restarted.Tell(new RemoveImage("web-ready"), TestActor);
        ExpectMsg<ImageNotFound>();

        Restart().ActorOf(InstantImageActor.Props("web-ready")).Tell(new GetImage("web-ready"), TestActor);
        ExpectMsg<ImageNotFound>();
    }
}
