using CloudController.Api.V1;
using Grpc.Core;
using Spectre.Console;

namespace CloudController.Cli.Rendering;

/// <summary>
/// Follows a pool over the WatchPool stream until it holds its desired count: a progress bar of ready children on a
/// terminal, otherwise a line (or a JSON object) at most once a second and at the end.
/// </summary>
public static class PoolProgress
{
    public static async Task<ExitCode> WatchAsync(CcmSession session, string pool, CancellationToken ct)
    {
        using var call = session.Pools.WatchPool(new WatchPoolRequest { Name = pool }, cancellationToken: ct);
        Pool? last = null;
        var started = DateTime.UtcNow;
        if (session.Interactive)
        {
            await session.Console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var bar = progress.AddTask(Markup.Escape(pool), maxValue: 1);
                    await foreach (var status in call.ResponseStream.ReadAllAsync(ct))
                    {
                        last = status;
                        bar.MaxValue = Math.Max(1, status.Desired);
                        bar.Value = Math.Min(status.Ready, status.Desired);
                        bar.Description = Markup.Escape($"{pool}: {status.Ready}/{status.Desired} ready, {status.Pending} pending");
                        if (Settled(status)) break;
                    }
                    bar.StopTask();
                });
        }
        else
        {
            var printed = DateTime.MinValue;
            await foreach (var status in call.ResponseStream.ReadAllAsync(ct))
            {
                last = status;
                var settled = Settled(status);
                if (settled || DateTime.UtcNow - printed >= TimeSpan.FromSeconds(1))
                {
                    Output.WriteLine(session, status, s => $"{DateTime.Now:HH:mm:ss} {s.Name} {s.Ready}/{s.Desired} ready, {s.Pending} pending, {s.Removing} removing");
                    printed = DateTime.UtcNow;
                }
                if (settled) break;
            }
        }
        if (last is null) return ExitCode.NotFound;
        if (session.Format == OutputFormat.Table)
        {
            session.Console.WriteLine($"Pool {pool}: {last.Ready} of {last.Desired} ready after {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
            if (last.Shortfall.Length > 0) session.Errors.WriteLine($"Short: {last.Shortfall}");
        }
        return ExitCode.Success;
    }

    private static bool Settled(Pool p) => p.Ready == p.Desired && p.Pending == 0 && p.Removing == 0;
}
