using CloudController.Agent;
using Grpc.Net.Client;

const string usage = """
    Usage: cc-agent activate --endpoint URL --data FILE --root DIR
      --endpoint  the controller's gRPC endpoint
      --data      the provisioning data file the host's channel provides (key=value lines)
      --root      where the guest's file system is (/ in a real guest)
    Exit codes: 0 activated; 2 usage; 3 the controller refused; 4 the bundle failed verification (nothing installed).
    """;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
if (args.Length == 0 || args[0] != "activate" || Option("--endpoint") is not { } endpoint || Option("--data") is not { } dataFile || Option("--root") is not { } root)
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
try
{
    return await new Activation(new V1Client(channel.CreateCallInvoker()), Console.Out).RunAsync(data, root, CancellationToken.None);
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
