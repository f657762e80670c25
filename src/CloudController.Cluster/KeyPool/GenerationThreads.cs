using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CloudController.Cluster.KeyPool;

/// <summary>
/// Threads of the key pool's own for generating sets, at the lowest scheduling priority. An RSA key takes a core for
/// 0.2-1 s; on the thread pool that is a pool thread gone from serving for as long (one of two on two cores), and
/// hand-outs queue behind it. Threads of their own leave the pool whole, and at nice 19 they take what serving
/// leaves of the cores, not a share of it.
/// </summary>
public sealed class GenerationThreads : IDisposable
{
    private const int LowestPriority = 19;

    private readonly BlockingCollection<Action> _work = new();
    private readonly CancellationTokenSource _stopping = new();

    public GenerationThreads(int count, string name)
    {
        for (var i = 0; i < count; i++) new Thread(Run) { IsBackground = true, Name = $"{name}-{i}" }.Start();
    }

    /// <summary>Runs the work on the next free generation thread.</summary>
    public void Post(Action work) => _work.Add(work);

    private void Run()
    {
        LowerOwnPriority();
        try
        {
            foreach (var work in _work.GetConsumingEnumerable(_stopping.Token)) work();
        }
        catch (OperationCanceledException)
        {
            // Stopped: work not yet started is dropped; its owner is gone.
        }
    }

    /// <summary>.NET's thread priorities do nothing on Linux; a thread's nice value does, and needs no privilege to raise.</summary>
    private static void LowerOwnPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = SetPriority(0, GetTid(), LowestPriority);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // An older C library: generation then competes with serving as an ordinary thread.
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    public void Dispose()
    {
        _stopping.Cancel();
        _work.CompleteAdding();
    }
}
