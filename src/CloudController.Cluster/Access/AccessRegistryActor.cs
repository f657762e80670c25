using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Access;
using static CloudController.Cluster.Access.AccessProtocol;

namespace CloudController.Cluster.Access;

/// <summary>The users and service accounts of the API, journaled; tokens only as hashes.</summary>
public sealed class AccessRegistryActor : DecidingActor
{
    private readonly string _name;
    private AccessRegistry _registry = AccessRegistry.Empty;

    public AccessRegistryActor(string name)
    {
        _name = name;
        Recover<IDomainEvent>(Apply);

        Command<AddUser>(a => Decide(_registry.Add(a.Name, a.Role, a.ServiceAccount, a.TokenHash, DateTimeOffset.UtcNow), () => Changed(a.Name)));
        Command<RemoveUser>(r => Decide(_registry.Remove(r.Name), () => Changed(r.Name)));
        Command<ReplaceToken>(r => Decide(_registry.ReplaceToken(r.Name, r.TokenHash, DateTimeOffset.UtcNow), () => Changed(r.Name)));
        Command<EnsureAdministrator>(e => Decide(_registry.EnsureAdministrator(e.Name, e.TokenHash, DateTimeOffset.UtcNow), () => Changed(e.Name)));
        Command<Authenticate>(a => Sender.Tell(new Authenticated(_registry.Authenticate(a.TokenHash))));
        Command<ListUsers>(_ => Sender.Tell(new UserList([.. _registry.Users.Values.OrderBy(u => u.Name, StringComparer.Ordinal)])));
    }

    public override string PersistenceId => PersistenceIdOf(_name);

    /// <summary>The journal's name for a registry's events.</summary>
    public static string PersistenceIdOf(string registry) => $"access-{registry}";

    public static Props Props(string name) => Akka.Actor.Props.Create(() => new AccessRegistryActor(name));

    private AccessChanged Changed(string user) => new(_registry.Users.GetValueOrDefault(user));

    protected override void Apply(IDomainEvent e) => _registry = _registry.Apply(e);

    protected override object Refusal(string reason) => new AccessRefused(reason);
}
