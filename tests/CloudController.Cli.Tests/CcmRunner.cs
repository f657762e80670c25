using CloudController.Cli.Tests.Fakes;
using Grpc.Core;
using Spectre.Console.Testing;

namespace CloudController.Cli.Tests;

/// <summary>Runs ccm in-process with a test console, capturing what it prints and its exit code.</summary>
public sealed record CcmRun(int ExitCode, string Output, string Errors)
{
    /// <summary>The lines of standard output, without the blank ones.</summary>
    public IReadOnlyList<string> OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static Task<CcmRun> Of(params string[] args) => Run(args);

    /// <summary>Runs ccm against the fake node, over gRPC on loopback.</summary>
    public static Task<CcmRun> Against(FakeNode node, params string[] args) => Run(["--endpoint", node.Endpoint.ToString(), .. args]);

    public static async Task<CcmRun> Run(
        IReadOnlyList<string> args,
        Func<Uri, CallInvoker>? invokers = null,
        Func<string, string?>? environment = null,
        bool interactive = false)
    {
        var console = new TestConsole().Width(240);
        if (interactive) console.Interactive();
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, invokers, environment ?? (_ => null)).RunAsync(args, CancellationToken.None);
        return new CcmRun(exit, console.Output, errors.ToString());
    }
}
