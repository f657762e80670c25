using CloudController.Api.V1;
using Grpc.Core;
using Spectre.Console;

namespace CloudController.Cli.Rendering;

/// <summary>
/// Follows a pool over the WatchPool stream until it holds its desired count: a progress bar of ready children on a
/// terminal, otherwise a line (or a JSON object) whenever the counts or the shortfall change, at most once a second,
/// and at the end. A pool that stops moving for the session's stall timeout is given up on, saying why.
/// </summary>
public static class PoolProgress
{
    public static async Task<ExitCode> WatchAsync(CcmSession session, string pool, CancellationToken ct)
    {
        using var watch = new StallWatch(session.StallTimeout, ct);
        using var call = session.Pools.WatchPool(new WatchPoolRequest { Name = pool }, cancellationToken: watch.Token);
        Pool? last = null;
        var started = DateTime.UtcNow;
        try
        {
            if (session.Interactive)
            {
                await session.Console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bar = progress.AddTask(Markup.Escape(pool), maxValue: 1);
                        try
                        {
                            await foreach (var status in call.ResponseStream.ReadAllAsync(watch.Token))
                            {
                                if (Moved(last, status)) watch.Progressed();
                                last = status;
                                bar.MaxValue = Math.Max(1, status.Desired);
                                bar.Value = Math.Min(status.Ready, status.Desired);
                                bar.Description = Markup.Escape(Describe(status));
                                if (Settled(status)) break;
                            }
                        }
                        finally
                        {
                            bar.StopTask();
                        }
                    });
            }
            else
            {
                var printed = DateTime.MinValue;
                Pool? shown = null;
                await foreach (var status in call.ResponseStream.ReadAllAsync(watch.Token))
                {
                    if (Moved(last, status)) watch.Progressed();
                    last = status;
                    var settled = Settled(status);
                    if (settled || (Moved(shown, status) && DateTime.UtcNow - printed >= TimeSpan.FromSeconds(1)))
                    {
                        Output.WriteLine(session, status, s => $"{DateTime.Now:HH:mm:ss} {Describe(s)}");
                        printed = DateTime.UtcNow;
                        shown = status;
                    }
                    if (settled) break;
                }
            }
        }
        catch (Exception e) when (watch.Stalled && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            session.Errors.WriteLine($"Gave up on pool {pool}: nothing changed for {session.StallTimeout.TotalSeconds:0} s" +
                (last is null ? " and the node sent no status." : $"; {last.Ready} of {last.Desired} ready, {last.Pending} pending."));
            if (last?.Shortfall is { Length: > 0 } shortfall) session.Errors.WriteLine($"Short: {shortfall}");
            session.Errors.WriteLine($"The pool keeps trying; follow it with `ccm pool watch {pool}`, or change its count with `ccm pool scale {pool} N`.");
            return ExitCode.Stalled;
        }
        if (last is null) return ExitCode.NotFound;
        if (session.Format == OutputFormat.Table)
        {
            session.Console.WriteLine($"Pool {pool}: {last.Ready} of {last.Desired} ready after {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
        }
        return ExitCode.Success;
    }

    private static string Describe(Pool s) =>
        $"{s.Name} {s.Ready}/{s.Desired} ready, {s.Pending} pending, {s.Removing} removing" +
        (s.Shortfall.Length > 0 ? $"; short: {s.Shortfall}" : "");

    /// <summary>Whether the pool moved on: more or fewer children in any state, a new count, or another shortfall.</summary>
    private static bool Moved(Pool? before, Pool now) =>
        before is null || before.Ready != now.Ready || before.Pending != now.Pending || before.Removing != now.Removing ||
        before.Desired != now.Desired || before.Shortfall != now.Shortfall;

    private static bool Settled(Pool p) => p.Ready == p.Desired && p.Pending == 0 && p.Removing == 0;
}
