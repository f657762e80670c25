using CloudController.Agent;
using Grpc.Net.Client;

const string usage = """
    Usage: cc-agent activate --endpoint URL --data FILE --root DIR
           cc-agent daemon   --root DIR --state DIR [--live] [--channel DEVICE | --endpoint URL --data FILE]
      activate  fetch this VM's first-boot set once, verify it, install it
      daemon    apply the provisioning data, then follow and apply every change, acknowledging each
      --endpoint  the controller's gRPC endpoint (the daemon on the host's channel takes controller.endpoint from its data)
      --data      the provisioning data as a file of key=value lines; the daemon then follows the controller's GuestChannel
      --channel   without --data, the daemon reads the host's channel, a serial port (default /dev/ttyS1)
      --root      where the guest's file system is (/ in a real guest)
      --state     where the daemon keeps the generation it applied last
      --live      also apply to the running system: the kernel's host name and the interface's addresses (as root)
    Exit codes: 0 done; 2 usage, or provisioning data the agent cannot use (named, reported; an activation token is not
    spent); 3 the controller refused; 4 the bundle failed verification (nothing installed, reported).
    """;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
if (args.Length == 0 || args[0] is not ("activate" or "daemon") || Option("--root") is not { } root || (args[0] == "daemon" && Option("--state") is null))
{
    Console.Error.WriteLine(usage);
    return 2;
}

// Not disposed: the exit handler may run after Main returns, and the process ends right after anyway.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    if (args[0] == "daemon" && Option("--data") is null)
    {
        var device = Option("--channel") ?? HostChannel.DefaultDevice;
        if (HostChannel.TryOpen(device) is not { } host)
        {
            Console.Error.WriteLine($"no host channel at {device}: give --data FILE and --endpoint URL to follow the controller instead");
            return 2;
        }
        using (host)
        {
            // The first generation comes when the daemon says it listens; it names the controller to acknowledge to.
            await using var updates = host.ReadAsync(stop.Token).GetAsyncEnumerator(stop.Token);
            if (!await updates.MoveNextAsync()) return 0;
            var first = updates.Current;
            var address = Option("--endpoint") ?? new GuestData(first.Values).Required("controller.endpoint");
            using var controller = GrpcChannel.ForAddress(address);
            var daemon = new DataDaemon(new CloudController.Api.V1.GuestChannel.GuestChannelClient(controller), root, Option("--state")!, Console.Out, args.Contains("--live"));
            await daemon.FollowAsync(Following(first, updates), stop.Token);
            return 0;
        }
    }

    if (Option("--endpoint") is not { } endpoint || Option("--data") is not { } dataFile)
    {
        Console.Error.WriteLine(usage);
        return 2;
    }
    GuestData data;
    try
    {
        data = GuestData.Read(dataFile);
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"cannot read the provisioning data: {e.Message}");
        return 2;
    }
    using var channel = GrpcChannel.ForAddress(endpoint);
    if (args[0] == "activate")
        return await new Activation(new V1Client(channel.CreateCallInvoker()), Console.Out).RunAsync(data, root, stop.Token);
    await new DataDaemon(new CloudController.Api.V1.GuestChannel.GuestChannelClient(channel), root, Option("--state")!, Console.Out, args.Contains("--live")).RunAsync(data, stop.Token);
    return 0;
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (OperationCanceledException)
{
    return 0;
}

static async IAsyncEnumerable<ChannelData> Following(ChannelData first, IAsyncEnumerator<ChannelData> rest)
{
    yield return first;
    while (await rest.MoveNextAsync()) yield return rest.Current;
}
