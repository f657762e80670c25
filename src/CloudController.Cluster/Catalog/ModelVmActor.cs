using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using static CloudController.Cluster.Catalog.ModelVmProtocol;

namespace CloudController.Cluster.Catalog;

/// <summary>One model VM of the catalog. Its events are tagged so that every node's catalog read model sees them.</summary>
public sealed class ModelVmActor : RecordingActor
{
    public const string Tag = "catalog";

    private readonly string _name;
    private ModelVm? _model;

    public ModelVmActor(string name)
    {
        _name = name;

        Recover<IDomainEvent>(Apply);

        Command<RegisterModel>(Register);
        Command<GetModel>(_ =>
        {
            Sender.Tell(_model is null ? new ModelNotFound(_name) : new ModelStatus(_model));
            if (_model is null) Passivate();
        });
        Command<RemoveModel>(_ =>
        {
            if (_model is null)
            {
                Sender.Tell(new ModelNotFound(_name));
                Passivate();
                return;
            }
            Record(new ModelRemoved(_name), () =>
            {
                Sender.Tell(new ModelApplied(_name));
                Passivate();
            });
        });
    }

    public override string PersistenceId => $"model-{_name}";

    public static Props Props(string name) => Akka.Actor.Props.Create(() => new ModelVmActor(name));

    private void Register(RegisterModel register)
    {
        if (_model is not null)
        {
            Sender.Tell(_model.SameDefinitionAs(register.Model)
                ? new ModelStatus(_model)
                : new ModelRefused(_name, $"a different model named '{_name}' is already registered; remove it first or choose another name"));
            return;
        }
        Record(new ModelRegistered(register.Model), () => Sender.Tell(new ModelStatus(_model!)));
    }

    protected override void Apply(IDomainEvent e) => _model = e switch
    {
        ModelRegistered registered => registered.Model,
        ModelRemoved => null,
        _ => throw new InvalidTransition("model", _name, _model is null ? "unknown" : "registered", e),
    };

    protected override IReadOnlyCollection<string> TagsOf(IDomainEvent e) => [Tag];

    /// <summary>An entity with nothing to hold needs no memory: unknown names do not linger.</summary>
    private void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
