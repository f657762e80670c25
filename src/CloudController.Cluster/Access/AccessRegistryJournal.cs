using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using CloudController.Domain;
using CloudController.Domain.Access;

namespace CloudController.Cluster.Access;

/// <summary>
/// A registry's users as its journal holds them, read by this node itself: the answer the registry entity would give,
/// without the entity. Its shard may live on a member that died and is not downed yet, and messages to it are lost
/// until it is; the journal is the database every node writes to, so reading it needs no other member.
/// </summary>
public static class AccessRegistryJournal
{
    /// <summary>The registry folded from its events (it keeps no snapshot); throws <see cref="TimeoutException"/> past <paramref name="within"/>.</summary>
    public static async Task<AccessRegistry> ReadAsync(ActorSystem system, string registry, TimeSpan within, CancellationToken ct)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        return await journal.CurrentEventsByPersistenceId(AccessRegistryActor.PersistenceIdOf(registry), 0, long.MaxValue)
            .RunAggregate(AccessRegistry.Empty, (users, e) => users.Apply((IDomainEvent)e.Event), system.Materializer())
            .WaitAsync(within, ct);
    }
}
