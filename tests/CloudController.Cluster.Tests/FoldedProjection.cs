using Akka.Actor;
using CloudController.Cluster.ReadModels;

namespace CloudController.Cluster.Tests;

/// <summary>
/// A read model actor over events the test hands it (<see cref="Fold"/>) instead of a journal's tagged events, for
/// actors that query a read model: the test says what the read model holds, and changes it, without the entities
/// that would write it.
/// </summary>
public sealed class FoldedProjection<TProjection> : ReceiveActor where TProjection : IProjection
{
    public FoldedProjection(TProjection projection)
    {
        Receive<ProjectionQuery<TProjection>>(q => Sender.Tell(q.Query(projection)));
        Receive<Fold>(f => projection.Apply(f.PersistenceId, f.Event));
    }

    public static Props Props(TProjection projection, params Fold[] events)
    {
        foreach (var e in events) projection.Apply(e.PersistenceId, e.Event);
        return Akka.Actor.Props.Create(() => new FoldedProjection<TProjection>(projection));
    }
}

/// <summary>An event as the read model would read it from the journal.</summary>
public sealed record Fold(string PersistenceId, object Event);
