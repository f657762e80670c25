using CloudController.Node;

// `fleet`: serve the configured driver's hosts to other nodes instead of running a controller.
var serveFleet = args.Length > 0 && args[0] == "fleet";
NodeOptions options;
try
{
    options = NodeOptions.Parse(serveFleet ? args[1..] : args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (serveFleet) return await FleetHost.RunAsync(options);

try
{
    await using var node = await ControllerNode.StartAsync(options);
    await node.WaitForShutdownAsync();
    return 0;
}
catch (ArgumentException e)
{
    // A bad profile or override: say what and exit without a stack trace.
    Console.Error.WriteLine(e.Message);
    return 2;
}
