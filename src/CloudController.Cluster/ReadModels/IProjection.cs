namespace CloudController.Cluster.ReadModels;

/// <summary>
/// A read model folded from the events of one tag. Plain, single-threaded code: its <see cref="ProjectionActor{T}"/>
/// feeds it events in journal order and answers queries against it.
/// </summary>
public interface IProjection
{
    string Tag { get; }

    void Apply(string persistenceId, object @event);
}

/// <summary>A query against the projection, answered with what the function returns. Node-local.</summary>
public sealed record ProjectionQuery<TProjection>(Func<TProjection, object> Query) where TProjection : IProjection;
