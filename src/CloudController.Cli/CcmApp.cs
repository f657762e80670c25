using System.CommandLine;
using System.CommandLine.Parsing;
using CloudController.Api.V1;
using CloudController.Cli.Commands;
using CloudController.Cli.Contexts;
using CloudController.Cli.Rendering;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli;

/// <summary>
/// The ccm command tree and how a command runs: it opens a session on the chosen endpoint, runs, and turns any
/// server error into a message that says what to do and an exit code scripts can trust. Each setting comes from its
/// flag, else its environment variable, else the context in use, else the default.
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
        Description = $"The node's gRPC endpoint (default: CCM_ENDPOINT, else the context's, else {DefaultEndpoint})",
        Recursive = true,
        HelpName = "url",
    };

    // A file, never the token itself: a command line ends up in shell history and in every process listing.
    private readonly Option<FileInfo?> _tokenFile = new("--token-file")
    {
        Description = "A file holding your API token (default: CCM_TOKEN_FILE, else the token in CCM_TOKEN, else the context's file)",
        Recursive = true,
        HelpName = "path",
    };

    private readonly Option<FileInfo?> _caFile = new("--ca-file")
    {
        Description = "A PEM CA certificate that the node's TLS certificate chains to (default: CCM_CA_FILE, else the context's, else the system's roots)",
        Recursive = true,
        HelpName = "path",
    };

    private readonly Option<string?> _context = new("--context")
    {
        Description = "The context to use (default: CCM_CONTEXT, else the one `ccm context use` chose)",
        Recursive = true,
        HelpName = "name",
    };

    // Only on commands that change state; sent with the call for the audit trail (and in the request where it has a field).
    private readonly Option<string?> _reason = new("--reason")
    {
        Description = $"Why, for the audit trail and the history (at most {ReasonHeader.MaxLength} characters)",
        HelpName = "text",
        Validators =
        {
            result =>
            {
                if (result.Tokens.Count == 1 && result.Tokens[0].Value.Length > ReasonHeader.MaxLength)
                    result.AddError($"--reason takes at most {ReasonHeader.MaxLength} characters; say it shorter.");
            },
        },
    };

    private readonly Option<bool> _watch = new("--watch", "-w") { Description = "Show the list again whenever it changes, until Ctrl-C" };

    private readonly Option<double> _interval = new("--interval")
    {
        Description = "Seconds between two looks while watching (default 2)",
        HelpName = "seconds",
        DefaultValueFactory = _ => 2,
        Validators =
        {
            result =>
            {
                if (result.Tokens.Count == 1 && double.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var s) && s < 0.05)
                    result.AddError("--interval takes at least 0.05 seconds.");
            },
        },
    };

    private readonly Option<OutputFormat> _output = new("--output", "-o")
    {
        Description = "table for people, json for scripts, csv for spreadsheets (lists only)",
        Recursive = true,
        HelpName = "table|json|csv",
        DefaultValueFactory = _ => OutputFormat.Table,
        // The words people type, instead of the enum's type name and member spelling in the error.
        CustomParser = result =>
        {
            var word = result.Tokens[0].Value;
            switch (word.ToLowerInvariant())
            {
                case "table": return OutputFormat.Table;
                case "json": return OutputFormat.Json;
                case "csv": return OutputFormat.Csv;
                default:
                    result.AddError($"--output takes table, json or csv, got '{word}'.");
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
        root.Options.Add(_context);

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
            AuditCommands.Build(this),
            QuotaCommands.Build(this),
            ContextCommands.Build(this),
        };
        foreach (var palette in palettes) root.Subcommands.Add(palette.Command);

        var help = new Command("help", "List the palettes, their commands and the exit codes");
        help.SetAction(_ => ListPalettes(palettes));
        root.Subcommands.Add(help);

        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong(CompletionScript.Shells);
        var completion = new Command("completion", "Print a completion script: source <(ccm completion bash)");
        completion.Arguments.Add(shell);
        completion.SetAction(parse =>
        {
            _console.Profile.Out.Writer.Write(CompletionScript.For(parse.GetValue(shell)!, root));
            return (int)ExitCode.Success;
        });
        root.Subcommands.Add(completion);
        root.SetAction(_ => ListPalettes(palettes));
        return root;
    }

    internal IAnsiConsole Console => _console;

    internal TextWriter Errors => _errors;

    internal Option<string?> EndpointOption => _endpoint;

    internal Option<FileInfo?> TokenFileOption => _tokenFile;

    internal Option<FileInfo?> CaFileOption => _caFile;

    internal OutputFormat FormatOf(ParseResult parse) => parse.GetValue(_output);

    /// <summary>A command that works on the contexts file alone; save writes the file back.</summary>
    internal Command Local(string name, string description, Func<ParseResult, ContextFile, Action, ExitCode> run)
    {
        var command = new Command(name, description);
        command.SetAction(parse =>
        {
            var path = ContextFile.PathFrom(_environment);
            var (file, error) = ContextFile.Load(path);
            if (file is null)
            {
                _errors.WriteLine(error);
                return (int)ExitCode.Usage;
            }
            return (int)run(parse, file, () => file.Save(path));
        });
        return command;
    }

    /// <summary>A command that changes state: it takes --reason, which travels with its calls as x-reason.</summary>
    internal Command Change(string name, string description, Func<ParseResult, CcmSession, CancellationToken, Task<ExitCode>> run)
    {
        var command = Remote(name, description, run);
        command.Options.Add(_reason);
        return command;
    }

    /// <summary>A list: -o table|json|csv, and --watch to show it again whenever it changes.</summary>
    internal Command List<T>(string name, string description, Func<ParseResult, CcmSession, CancellationToken, Task<T>> fetch,
        Func<T, IRenderable> table, Func<T, string>? csv = null) where T : IMessage
    {
        var command = Remote(name, description, async (parse, session, ct) =>
        {
            if (parse.GetValue(_watch))
                return await ListWatch.RunAsync(session, c => fetch(parse, session, c), TimeSpan.FromSeconds(parse.GetValue(_interval)), table, csv, ct);
            Output.Write(session, await fetch(parse, session, ct), table, csv);
            return ExitCode.Success;
        });
        command.Options.Add(_watch);
        command.Options.Add(_interval);
        return command;
    }

    internal Palette NewPalette(string name, string description, params string[] aliases) => new(name, description, _console, aliases);

    /// <summary>A command whose action talks to the node: opens the session, runs, reports server errors.</summary>
    internal Command Remote(string name, string description, Func<ParseResult, CcmSession, CancellationToken, Task<ExitCode>> run)
    {
        var command = new Command(name, description);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(_output) == OutputFormat.Csv && !command.Options.Contains(_watch))
            {
                _errors.WriteLine($"-o csv is for lists; `{command.Name}` shows one result: use -o json, or -o table.");
                return (int)ExitCode.Usage;
            }
            if (!TryChooseContext(parse, out var context)) return (int)ExitCode.Usage;
            var endpoint = parse.GetValue(_endpoint) ?? _environment("CCM_ENDPOINT") ?? context?.Endpoint ?? DefaultEndpoint;
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                _errors.WriteLine($"The endpoint '{endpoint}' is not an http:// or https:// URL; fix --endpoint, CCM_ENDPOINT or the context.");
                return (int)ExitCode.Usage;
            }
            if (!TryReadToken(parse, context, out var token) || !TryReadCa(parse, context, out var ca) || !TryReadStallTimeout(parse, out var stall)) return (int)ExitCode.Usage;
            using var session = new CcmSession(uri, parse.GetValue(_output), _console, _errors, _invokers?.Invoke(uri), token, ca, parse.GetResult(_reason) is null ? null : parse.GetValue(_reason)) { StallTimeout = stall };
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

    /// <summary>The context named by --context or CCM_CONTEXT, else the one in use; none when there is none.</summary>
    private bool TryChooseContext(ParseResult parse, out CcmContext? context)
    {
        context = null;
        var path = ContextFile.PathFrom(_environment);
        var named = parse.GetValue(_context) ?? _environment("CCM_CONTEXT");
        if (named is null && !File.Exists(path)) return true;
        var (file, error) = ContextFile.Load(path);
        if (file is null)
        {
            _errors.WriteLine(error);
            return false;
        }
        if ((named ?? file.Current) is not { } name) return true;
        if (file.Contexts.TryGetValue(name, out context)) return true;
        _errors.WriteLine($"There is no context '{name}' in {path}; list them with `ccm context list`, or fix --context or CCM_CONTEXT.");
        return false;
    }

    /// <summary>The token from --token-file, CCM_TOKEN_FILE, CCM_TOKEN or the context's file, in that order; none is fine (no access control).</summary>
    private bool TryReadToken(ParseResult parse, CcmContext? context, out string? token)
    {
        token = null;
        var file = parse.GetValue(_tokenFile)?.FullName ?? _environment("CCM_TOKEN_FILE");
        if (file is null && _environment("CCM_TOKEN") is { Length: > 0 } fromEnvironment)
        {
            token = fromEnvironment.Trim();
            return true;
        }
        file ??= context?.TokenFile;
        if (file is null) return true;
        try
        {
            token = File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _errors.WriteLine($"Cannot read the token file '{file}' ({e.Message}); fix --token-file, CCM_TOKEN_FILE or the context.");
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

    private bool TryReadCa(ParseResult parse, CcmContext? context, out System.Security.Cryptography.X509Certificates.X509Certificate2? ca)
    {
        ca = null;
        if ((parse.GetValue(_caFile)?.FullName ?? _environment("CCM_CA_FILE") ?? context?.CaFile) is not { } file) return true;
        try
        {
            ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(file));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            _errors.WriteLine($"Cannot read the CA certificate '{file}' ({e.Message}); fix --ca-file, CCM_CA_FILE or the context.");
            return false;
        }
    }

    private int ListPalettes(IEnumerable<Palette> palettes)
    {
        _console.Write(HelpTables.Palette(palettes.Select(p => ($"{p.Command.Name} help", Palette.Described(p.Command)))));
        _console.WriteLine("Usage: ccm [--context NAME] [--endpoint URL] [--token-file PATH] [--output table|json|csv] <palette> <command> [options]");
        _console.WriteLine();
        _console.Write(HelpTables.ExitCodes(Enum.GetValues<ExitCode>().Select(c => ((int)c, c.Meaning()))));
        return (int)ExitCode.Success;
    }
}
