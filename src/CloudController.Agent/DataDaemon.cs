using CloudController.Agent.Appliers;
using CloudController.Api.V1;
using Grpc.Core;

namespace CloudController.Agent;

/// <summary>
/// The guest side of provisioning data: applies what the host's channel held at launch, then follows the
/// controller's changes in generation order, applying and acknowledging each. The last applied generation is kept in
/// a state directory, so a restarted daemon never applies an older generation again or skips a newer one. Live, it
/// also changes the running system's host name and addresses, not only the files read at the next boot.
/// </summary>
public sealed class DataDaemon(GuestChannel.GuestChannelClient channel, string root, string stateDirectory, TextWriter log, bool live = false)
{
    private readonly IDataApplier[] _appliers = Appliers(live);

    public long Applied { get; private set; } = ReadState(stateDirectory);

    public async Task RunAsync(GuestData launch, CancellationToken ct)
    {
        var vmId = launch.Required("guest.vm-id");
        var token = launch.Required("guest.token");
        if (long.TryParse(launch.Optional("guest.generation"), out var generation) && generation > Applied)
            await ApplyAsync(vmId, token, generation, launch.Values, ct);

        // Reconnects after a failure: the controller may move, restart or be briefly unreachable.
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var watch = channel.WatchData(new WatchDataRequest { VmId = vmId, Token = token, AfterGeneration = Applied }, cancellationToken: ct);
                await foreach (var update in watch.ResponseStream.ReadAllAsync(ct))
                {
                    if (update.Generation > Applied) await ApplyAsync(vmId, token, update.Generation, update.Values, ct);
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded)
            {
                log.WriteLine($"controller unreachable ({e.Status.Detail}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    /// <summary>
    /// Follows the host's channel instead of the controller's stream: every newer generation it delivers is applied
    /// in order and acknowledged to the controller. An acknowledgement that cannot be delivered is logged; the
    /// generation stays applied.
    /// </summary>
    public async Task FollowAsync(IAsyncEnumerable<ChannelData> updates, CancellationToken ct)
    {
        await foreach (var update in updates.WithCancellation(ct))
        {
            if (update.Generation <= Applied) continue;
            var data = new GuestData(update.Values);
            try
            {
                await ApplyAsync(data.Required("guest.vm-id"), data.Required("guest.token"), update.Generation, update.Values, ct);
            }
            catch (RpcException e)
            {
                log.WriteLine($"generation {update.Generation} applied; its acknowledgement did not reach the controller ({e.Status.Detail})");
            }
        }
    }

    private async Task ApplyAsync(string vmId, string token, long generation, IReadOnlyDictionary<string, string> data, CancellationToken ct)
    {
        var failed = new Dictionary<string, string>();
        foreach (var applier in _appliers)
        {
            try
            {
                foreach (var (key, why) in applier.Apply(data, root)) failed[key] = why;
            }
            catch (IOException e)
            {
                foreach (var key in data.Keys.Where(applier.Owns)) failed[key] = e.Message;
            }
        }
        Applied = generation;
        WriteState(stateDirectory, generation);
        log.WriteLine($"applied generation {generation}" + (failed.Count == 0 ? "" : $"; failed: {string.Join(", ", failed.Keys)}"));
        var ack = new AcknowledgeDataRequest { VmId = vmId, Token = token, Generation = generation };
        ack.FailedKeys.Add(failed);
        await channel.AcknowledgeDataAsync(ack, cancellationToken: ct);
    }

    private static IDataApplier[] Appliers(bool live)
    {
        IDataApplier[] known = [new HostnameApplier(live), new NetworkApplier(live), new UsersApplier()];
        return [.. known, new AppDataApplier(known)];
    }

    private static long ReadState(string directory)
    {
        var file = Path.Combine(directory, "applied-generation");
        return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), out var generation) ? generation : 0;
    }

    private static void WriteState(string directory, long generation)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "applied-generation");
        File.WriteAllText(file + ".tmp", generation.ToString());
        File.Move(file + ".tmp", file, overwrite: true);
    }
}
