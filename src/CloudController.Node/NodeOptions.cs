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
    /// <summary>
    /// Environment variables a cluster node reads (a Kubernetes pod gets them from its manifest): the database, the
    /// address it is reached at, its remoting port, its seed nodes, where its health endpoint listens.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentKeys = new Dictionary<string, string>
    {
        ["CLOUDCONTROLLER_DB"] = "cloudcontroller.database.connection-string",
        ["CLOUDCONTROLLER_HOSTNAME"] = "akka.remote.dot-netty.tcp.hostname",
        ["CLOUDCONTROLLER_PORT"] = "akka.remote.dot-netty.tcp.port",
        ["CLOUDCONTROLLER_SEEDS"] = "akka.cluster.seed-nodes",
        ["CLOUDCONTROLLER_HEALTH"] = "cloudcontroller.health.endpoint",
        ["CLOUDCONTROLLER_SECRETS_DIR"] = "cloudcontroller.key-pool.secrets-dir",
        ["CLOUDCONTROLLER_TLS_CERT"] = "cloudcontroller.grpc.tls.certificate",
        ["CLOUDCONTROLLER_TLS_KEY"] = "cloudcontroller.grpc.tls.key",
    };

    public static readonly NodeOptions Embedded = new("embedded", null, null, []);

    public const string Usage = """
        Usage: CloudController.Node [--config <profile|file.conf>] [--data-dir <dir>] [--grpc <url>] [--set <key>=<value> ...]

          --config    A profile in config/ (embedded, postgres) or a path to a HOCON file. Default: embedded,
                      or CLOUDCONTROLLER_CONFIG.
          --data-dir  Where the embedded profile keeps its SQLite journal. Default: ./data, or CLOUDCONTROLLER_DATA_DIR.
          --grpc      The gRPC endpoint to listen on. Default: http://127.0.0.1:5400, or CLOUDCONTROLLER_GRPC.
          --set       Overrides any configuration key, e.g. --set cloudcontroller.driver.simulated.hosts=100.

        Environment (a cluster node): CLOUDCONTROLLER_DB (PostgreSQL connection string), CLOUDCONTROLLER_HOSTNAME and
        CLOUDCONTROLLER_PORT (where other nodes reach it), CLOUDCONTROLLER_SEEDS (comma-separated akka.tcp:// seed
        addresses), CLOUDCONTROLLER_HEALTH (http://0.0.0.0:8080 for /healthz, /ready and /metrics), CLOUDCONTROLLER_SECRETS_DIR,
        CLOUDCONTROLLER_TLS_CERT and CLOUDCONTROLLER_TLS_KEY (PEM files: gRPC over TLS on an https:// endpoint).
        """;

    /// <summary>Parses command-line arguments; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        var profile = Variable("CLOUDCONTROLLER_CONFIG") ?? "embedded";
        var dataDir = Variable("CLOUDCONTROLLER_DATA_DIR");
        var grpc = Variable("CLOUDCONTROLLER_GRPC");
        var overrides = new List<string>();
        foreach (var (variable, key) in EnvironmentKeys)
        {
            if (Variable(variable) is not { } value) continue;
            // Seeds are a list; everything else a single value.
            overrides.Add(variable == "CLOUDCONTROLLER_SEEDS"
                ? $"{key}=[{string.Join(", ", value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => $"\"{v}\""))}]"
                : $"{key}={value}");
        }
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
