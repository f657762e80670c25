using Grpc.Core;
using Spectre.Console.Testing;

namespace CloudController.Cli.Tests;

/// <summary>Runs ccm in-process with a test console, capturing what it prints and its exit code.</summary>
public sealed record CcmRun(int ExitCode, string Output, string Errors)
{
    public static async Task<CcmRun> Of(params string[] args) => await With(null, args);

    public static async Task<CcmRun> With(Func<Uri, CallInvoker>? invokers, params string[] args)
    {
        var console = new TestConsole().Width(240);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, invokers, _ => null).RunAsync(args, CancellationToken.None);
        return new CcmRun(exit, console.Output, errors.ToString());
    }
}
