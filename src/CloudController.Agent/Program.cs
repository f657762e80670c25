using CloudController.Agent;
using Grpc.Net.Client;

const string usage = """
    Usage: cc-agent activate --endpoint URL --data FILE --root DIR
           cc-agent daemon   --endpoint URL --data FILE --root DIR --state DIR
      activate  fetch this VM's first-boot set once, verify it, install it
      daemon    apply the provisioning data, then follow and apply every change, acknowledging each
      --endpoint  the controller's gRPC endpoint
      --data      the provisioning data the host's channel provides (key=value lines)
      --root      where the guest's file system is (/ in a real guest)
      --state     where the daemon keeps the generation it applied last
    Exit codes: 0 done; 2 usage; 3 the controller refused; 4 the bundle failed verification (nothing installed).
    """;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
if (args.Length == 0 || args[0] is not ("activate" or "daemon") || Option("--endpoint") is not { } endpoint ||
    Option("--data") is not { } dataFile || Option("--root") is not { } root || (args[0] == "daemon" && Option("--state") is null))
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
    if (args[0] == "activate")
        return await new Activation(new V1Client(channel.CreateCallInvoker()), Console.Out).RunAsync(data, root, stop.Token);
    await new DataDaemon(new CloudController.Api.V1.GuestChannel.GuestChannelClient(channel), root, Option("--state")!, Console.Out).RunAsync(data, stop.Token);
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
