using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Persistence.Journal;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using static CloudController.Cluster.Catalog.InstantImageProtocol;

namespace CloudController.Cluster.Catalog;

/// <summary>One image of the instant-deploy library. Tagged like the catalog, so that every node can list the library.</summary>
public sealed class InstantImageActor : RecordingActor
{
    public const string Tag = "instant-images";

    private readonly string _name;
    private InstantImage? _image;

    public InstantImageActor(string name)
    {
        _name = name;

        Recover<IDomainEvent>(Apply);

        Command<RegisterImage>(register =>
        {
            if (_image is not null)
            {
                Sender.Tell(_image with { CreatedAt = register.Image.CreatedAt } == register.Image
                    ? new ImageStatus(_image)
                    : new ImageRefused(_name, $"an instant image named '{_name}' already exists; choose another name"));
                return;
            }
            Record(new InstantImageRegistered(register.Image), () => Sender.Tell(new ImageStatus(_image!)));
        });
        Command<RemoveImage>(_ =>
        {
            if (_image is not { } image)
            {
                Sender.Tell(new ImageNotFound(_name));
                return;
            }
            Record(new InstantImageRemoved(_name), () => Sender.Tell(new ImageApplied(image)));
        });
        Command<GetImage>(_ =>
        {
            Sender.Tell(_image is null ? new ImageNotFound(_name) : new ImageStatus(_image));
            if (_image is null) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }

    public override string PersistenceId => $"instant-image-{_name}";

    public static Props Props(string name) => Akka.Actor.Props.Create(() => new InstantImageActor(name));

    protected override void Apply(IDomainEvent e) => _image = e switch
    {
        InstantImageRegistered registered => registered.Image,
        InstantImageRemoved => null,
        _ => throw new InvalidTransition("instant image", _name, _image is null ? "unknown" : "registered", e),
    };

    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [Tag];
}
