namespace CloudController.Node;

/// <summary>
/// How a node was asked to start: a configuration profile (a name in config/ or a path), plus overrides.
/// Flags win over environment variables, which win over the profile's values.
/// </summary>
public sealed record NodeOptions(
    string Profile,
    string? DataDir,
    string? GrpcEndpoint,
    IReadOnlyList<string> Overrides)
{
    public static readonly NodeOptions Embedded = new("embedded", null, null, []);

    public const string Usage = """
        Usage: CloudController.Node [--config <profile|file.conf>] [--data-dir <dir>] [--grpc <url>] [--set <key>=<value> ...]

          --config    A profile in config/ (embedded, postgres, k8s) or a path to a HOCON file. Default: embedded,
                      or CLOUDCONTROLLER_CONFIG.
          --data-dir  Where the embedded profile keeps its SQLite journal. Default: ./data, or CLOUDCONTROLLER_DATA_DIR.
          --grpc      The gRPC endpoint to listen on. Default: http://127.0.0.1:5400, or CLOUDCONTROLLER_GRPC.
          --set       Overrides any configuration key, e.g. --set cloudcontroller.driver.simulated.hosts=100.
        """;

    /// <summary>Parses command-line arguments; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        var profile = Variable("CLOUDCONTROLLER_CONFIG") ?? "embedded";
        var dataDir = Variable("CLOUDCONTROLLER_DATA_DIR");
        var grpc = Variable("CLOUDCONTROLLER_GRPC");
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count
                ? args[++i]
                : throw new ArgumentException($"{name} needs a value.\n\n{Usage}");
            switch (name)
            {
                case "--config": profile = Value(); break;
                case "--data-dir": dataDir = Value(); break;
                case "--grpc": grpc = Value(); break;
                case "--set":
                    var setting = Value();
                    if (!setting.Contains('=')) throw new ArgumentException($"--set takes key=value, got '{setting}'.\n\n{Usage}");
                    overrides.Add(setting);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{name}'.\n\n{Usage}");
            }
        }
        return new NodeOptions(profile, dataDir, grpc, overrides);
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
