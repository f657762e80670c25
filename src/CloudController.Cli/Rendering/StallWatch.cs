namespace CloudController.Cli.Rendering;

/// <summary>
/// Gives up on a wait that has stopped moving: its token is cancelled once <c>limit</c> passes without a call to
/// <see cref="Progressed"/>, so a stream that goes quiet (a pool short of room, a task stuck at a stage) ends the
/// wait instead of holding the terminal for ever. The caller's own cancellation still ends it at once.
/// </summary>
public sealed class StallWatch : IDisposable
{
    private readonly CancellationTokenSource _stalled;
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan _limit;

    public StallWatch(TimeSpan limit, CancellationToken caller)
    {
        _limit = limit;
        _stalled = new CancellationTokenSource(limit);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _stalled.Token);
    }

    /// <summary>Cancelled when the caller cancels or the wait stalls.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True when the wait ended because nothing moved for the limit (not because the caller cancelled).</summary>
    public bool Stalled => _stalled.IsCancellationRequested;

    /// <summary>Something moved on: the limit starts again.</summary>
    public void Progressed()
    {
        if (!_stalled.IsCancellationRequested) _stalled.CancelAfter(_limit);
    }

    public void Dispose()
    {
        _linked.Dispose();
        _stalled.Dispose();
    }
}
