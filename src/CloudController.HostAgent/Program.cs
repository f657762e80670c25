using CloudController.HostAgent;

try
{
    await using var agent = await HostAgentServer.StartAsync(HostAgentOptions.Parse(args));
    Console.WriteLine($"cc-hostd serving {agent.Driver.Name} over TLS");
    await agent.WaitForShutdownAsync();
    return 0;
}
catch (ArgumentException e)
{
    // Bad arguments or settings: say which and how to fix it, without a stack trace.
    Console.Error.WriteLine(e.Message);
    return 2;
}
