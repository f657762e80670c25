using CloudController.Cli.Tests.Fakes;
using Grpc.Core;
using Spectre.Console.Testing;

namespace CloudController.Cli.Tests;

/// <summary>Runs ccm in-process with a test console, capturing what it prints and its exit code.</summary>
public sealed record CcmRun(int ExitCode, string Output, string Errors)
{
    /// <summary>The lines of standard output, without the blank ones.</summary>
    public IReadOnlyList<string> OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An environment with nothing set but a config directory that holds no contexts file, whoever runs the tests.</summary>
    public static string? NoContexts(string name) => name == "XDG_CONFIG_HOME" ? Path.Combine(Path.GetTempPath(), "ccm-tests-no-config") : null;

    public static Task<CcmRun> Of(params string[] args) => Run(args);

    /// <summary>Runs ccm against the fake node, over gRPC on loopback.</summary>
    public static Task<CcmRun> Against(FakeNode node, params string[] args) => Run(["--endpoint", node.Endpoint.ToString(), .. args]);

    public static async Task<CcmRun> Run(
        IReadOnlyList<string> args,
        Func<Uri, CallInvoker>? invokers = null,
        Func<string, string?>? environment = null,
        bool interactive = false,
        CancellationToken ct = default)
    {
        var console = new TestConsole().Width(240);
        if (interactive) console.Interactive();
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, invokers, environment ?? NoContexts).RunAsync(args, ct);
        return new CcmRun(exit, console.Output, errors.ToString());
    }
}
