using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Access;
using static CloudController.Cluster.Access.AccessProtocol;

namespace CloudController.Cluster.Access;

/// <summary>The users and service accounts of the API, journaled; tokens only as hashes.</summary>
public sealed class AccessRegistryActor : ReceivePersistentActor
{
    private readonly string _name;
    private AccessRegistry _registry = AccessRegistry.Empty;

    public AccessRegistryActor(string name)
    {
        _name = name;
        Recover<IDomainEvent>(e => _registry = _registry.Apply(e));

        Command<AddUser>(a => Decide(_registry.Add(a.Name, a.Role, a.ServiceAccount, a.TokenHash, DateTimeOffset.UtcNow), a.Name));
        Command<RemoveUser>(r => Decide(_registry.Remove(r.Name), r.Name));
        Command<ReplaceToken>(r => Decide(_registry.ReplaceToken(r.Name, r.TokenHash, DateTimeOffset.UtcNow), r.Name));
        Command<EnsureAdministrator>(e => Decide(_registry.EnsureAdministrator(e.Name, e.TokenHash, DateTimeOffset.UtcNow), e.Name));
        Command<Authenticate>(a => Sender.Tell(new Authenticated(_registry.Authenticate(a.TokenHash))));
        Command<ListUsers>(_ => Sender.Tell(new UserList([.. _registry.Users.Values.OrderBy(u => u.Name, StringComparer.Ordinal)])));
    }

    public override string PersistenceId => PersistenceIdOf(_name);

    /// <summary>The journal's name for a registry's events.</summary>
    public static string PersistenceIdOf(string registry) => $"access-{registry}";

    public static Props Props(string name) => Akka.Actor.Props.Create(() => new AccessRegistryActor(name));

    private void Decide(Decision decision, string user)
    {
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(new AccessRefused(reason));
            return;
        }
        if (decision.Event is not { } e)
        {
            Sender.Tell(new AccessChanged(_registry.Users.GetValueOrDefault(user)));
            return;
        }
        var replyTo = Sender;
        Persist(e, persisted =>
        {
            _registry = _registry.Apply(persisted);
            replyTo.Tell(new AccessChanged(_registry.Users.GetValueOrDefault(user)));
        });
    }
}
