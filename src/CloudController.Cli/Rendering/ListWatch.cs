using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>
/// `list --watch`: asks for the list again at an interval and renders it again only when it changed, until the
/// caller stops it (Ctrl-C). The list calls have no stream to follow; `pool watch` and `task watch` follow one.
/// </summary>
public static class ListWatch
{
    public static async Task<ExitCode> RunAsync<T>(CcmSession session, Func<CancellationToken, Task<T>> fetch, TimeSpan interval,
        Func<T, IRenderable> table, Func<T, string>? csv, CancellationToken ct) where T : IMessage
    {
        string? shown = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var list = await fetch(ct);
                var json = Output.ToJson(list);
                if (json != shown)
                {
                    shown = json;
                    if (session.Format == OutputFormat.Table)
                    {
                        if (session.Console.Profile.Capabilities.Interactive) session.Console.Clear();
                        session.Console.WriteLine($"{DateTime.Now:HH:mm:ss}, every {interval.TotalSeconds:0.#} s (Ctrl-C stops):");
                    }
                    Output.Write(session, list, table, csv);
                }
                await Task.Delay(interval, ct);
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
        {
            // Stopping is how a watch ends.
        }
        return ExitCode.Success;
    }
}
