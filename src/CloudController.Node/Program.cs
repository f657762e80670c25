using CloudController.Node;

NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

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
