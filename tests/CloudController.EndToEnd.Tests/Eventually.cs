namespace CloudController.EndToEnd.Tests;

/// <summary>Polls for a condition that becomes true asynchronously (read models, monitoring), with a deadline.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(50);

    /// <param name="every">How long between probes; 50 ms unless a probe is a call that should not be repeated that often.</param>
    public static async Task<T> Get<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null, TimeSpan? every = null) where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(every ?? DefaultEvery);
        }
    }

    public static Task True(Func<Task<bool>> probe, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        Get(async () => await probe() ? "" : null, what, within, every);
}
