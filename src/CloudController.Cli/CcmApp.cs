using System.CommandLine;
using System.CommandLine.Parsing;
using CloudController.Cli.Commands;
using CloudController.Cli.Rendering;
using Grpc.Core;
using Spectre.Console;

namespace CloudController.Cli;

/// <summary>
/// The ccm command tree and how a command runs: it opens a session on the chosen endpoint, runs, and turns any
/// server error into a message that says what to do and an exit code scripts can trust.
/// </summary>
public sealed class CcmApp
{
    public const string DefaultEndpoint = "http://127.0.0.1:5400";

    private readonly IAnsiConsole _console;
    private readonly TextWriter _errors;
    private readonly Func<Uri, CallInvoker>? _invokers;
    private readonly Func<string, string?> _environment;

    private readonly Option<string?> _endpoint = new("--endpoint")
    {
        Description = $"The node's gRPC endpoint (default: CCM_ENDPOINT, else {DefaultEndpoint})",
        Recursive = true,
        HelpName = "url",
    };

    // A file, never the token itself: a command line ends up in shell history and in every process listing.
    private readonly Option<FileInfo?> _tokenFile = new("--token-file")
    {
        Description = "A file holding your API token (default: CCM_TOKEN_FILE, else the token in CCM_TOKEN)",
        Recursive = true,
        HelpName = "path",
    };

    private readonly Option<FileInfo?> _caFile = new("--ca-file")
    {
        Description = "A PEM CA certificate that the node's TLS certificate chains to (default: CCM_CA_FILE, else the system's roots)",
        Recursive = true,
        HelpName = "path",
    };

    private readonly Option<OutputFormat> _output = new("--output", "-o")
    {
        Description = "table for people, json for scripts",
        Recursive = true,
        HelpName = "table|json",
        DefaultValueFactory = _ => OutputFormat.Table,
        // The words people type, instead of the enum's type name and member spelling in the error.
        CustomParser = result =>
        {
            var word = result.Tokens[0].Value;
            switch (word.ToLowerInvariant())
            {
                case "table": return OutputFormat.Table;
                case "json": return OutputFormat.Json;
                default:
                    result.AddError($"--output takes table or json, got '{word}'.");
                    return OutputFormat.Table;
            }
        },
    };

    private readonly Option<int?> _stallTimeout = new("--stall-timeout")
    {
        Description = "Seconds a wait (--wait, pool create/scale, watch) may see nothing move before it gives up with exit 6 " +
                      "(default: CCM_STALL_TIMEOUT, else 60)",
        Recursive = true,
        HelpName = "seconds",
    };

    /// <param name="invokers">Makes the call invoker for an endpoint; tests pass one, ccm opens a gRPC channel.</param>
    /// <param name="environment">Reads environment variables; tests pass their own.</param>
    public CcmApp(IAnsiConsole console, TextWriter errors, Func<Uri, CallInvoker>? invokers = null, Func<string, string?>? environment = null)
    {
        _console = console;
        _errors = errors;
        _invokers = invokers;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) _errors.WriteLine(error.Message);
            // From the root down to the command the line got as far as: root, palette, command.
            var path = new List<Command>();
            for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent) path.Insert(0, command.Command);
            if (path.Count == 3) _errors.WriteLine($"Usage: ccm {path[1].Name} {Palette.Usage(path[2])} [options]");
            _errors.WriteLine($"See `{(path.Count > 1 ? $"ccm {path[1].Name} help" : "ccm help")}`, or add --help to the command.");
            return (int)ExitCode.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = _console.Profile.Out.Writer, Error = _errors }, ct);
    }

    private RootCommand Build()
    {
        var root = new RootCommand("ccm: the CloudController operator CLI.");
        root.Options.Add(_endpoint);
        root.Options.Add(_output);
        root.Options.Add(_tokenFile);
        root.Options.Add(_caFile);
        root.Options.Add(_stallTimeout);

        var palettes = new[]
        {
            HostCommands.Build(this),
            ModelCommands.Build(this),
            VmCommands.Build(this),
            TaskCommands.Build(this),
            CatalogCommands.Build(this),
            InstantCommands.Build(this),
            PlacementCommands.Build(this),
            TemplateCommands.Build(this),
            PoolCommands.Build(this),
            KeyPoolCommands.Build(this),
            StorageCommands.Build(this),
            NetworkCommands.Build(this),
            UserCommands.Build(this),
            UsageCommands.Build(this),
            ClusterCommands.Build(this),
        };
        foreach (var palette in palettes) root.Subcommands.Add(palette.Command);

        var help = new Command("help", "List the palettes, their commands and the exit codes");
        help.SetAction(_ => ListPalettes(palettes));
        root.Subcommands.Add(help);
        root.SetAction(_ => ListPalettes(palettes));
        return root;
    }

    internal Palette NewPalette(string name, string description, params string[] aliases) => new(name, description, _console, aliases);

    /// <summary>A command whose action talks to the node: opens the session, runs, reports server errors.</summary>
    internal Command Remote(string name, string description, Func<ParseResult, CcmSession, CancellationToken, Task<ExitCode>> run)
    {
        var command = new Command(name, description);
        command.SetAction(async (parse, ct) =>
        {
            var endpoint = parse.GetValue(_endpoint) ?? _environment("CCM_ENDPOINT") ?? DefaultEndpoint;
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                _errors.WriteLine($"The endpoint '{endpoint}' is not an http:// or https:// URL; fix --endpoint or CCM_ENDPOINT.");
                return (int)ExitCode.Usage;
            }
            if (!TryReadToken(parse, out var token) || !TryReadCa(parse, out var ca) || !TryReadStallTimeout(parse, out var stall)) return (int)ExitCode.Usage;
            using var session = new CcmSession(uri, parse.GetValue(_output), _console, _errors, _invokers?.Invoke(uri), token, ca) { StallTimeout = stall };
            try
            {
                return (int)await run(parse, session, ct);
            }
            catch (RpcException e)
            {
                return (int)RpcErrorReport.Write(e, session);
            }
        });
        return command;
    }

    /// <summary>The token from --token-file, CCM_TOKEN_FILE or CCM_TOKEN, in that order; none is fine (no access control).</summary>
    private bool TryReadToken(ParseResult parse, out string? token)
    {
        token = null;
        var file = parse.GetValue(_tokenFile)?.FullName ?? _environment("CCM_TOKEN_FILE");
        if (file is null)
        {
            token = _environment("CCM_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
            return true;
        }
        try
        {
            token = File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _errors.WriteLine($"Cannot read the token file '{file}' ({e.Message}); fix --token-file or CCM_TOKEN_FILE.");
            return false;
        }
        if (token.Length > 0) return true;
        _errors.WriteLine($"The token file '{file}' is empty; put the token `ccm user create` printed in it.");
        return false;
    }

    private bool TryReadStallTimeout(ParseResult parse, out TimeSpan timeout)
    {
        var given = parse.GetValue(_stallTimeout)?.ToString() ?? _environment("CCM_STALL_TIMEOUT") ?? "60";
        timeout = TimeSpan.Zero;
        if (int.TryParse(given, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
            return true;
        }
        _errors.WriteLine($"The stall timeout '{given}' is not a whole number of seconds above 0; fix --stall-timeout or CCM_STALL_TIMEOUT.");
        return false;
    }

    private bool TryReadCa(ParseResult parse, out System.Security.Cryptography.X509Certificates.X509Certificate2? ca)
    {
        ca = null;
        if ((parse.GetValue(_caFile)?.FullName ?? _environment("CCM_CA_FILE")) is not { } file) return true;
        try
        {
            ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(file));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            _errors.WriteLine($"Cannot read the CA certificate '{file}' ({e.Message}); fix --ca-file or CCM_CA_FILE.");
            return false;
        }
    }

    private int ListPalettes(IEnumerable<Palette> palettes)
    {
        _console.Write(HelpTables.Palette(palettes.Select(p => ($"{p.Command.Name} help", Palette.Described(p.Command)))));
        _console.WriteLine("Usage: ccm [--endpoint URL] [--token-file PATH] [--output table|json] <palette> <command> [options]");
        _console.WriteLine();
        _console.Write(HelpTables.ExitCodes(Enum.GetValues<ExitCode>().Select(c => ((int)c, c.Meaning()))));
        return (int)ExitCode.Success;
    }
}
