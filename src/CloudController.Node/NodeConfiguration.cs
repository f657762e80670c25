using Akka.Configuration;
using CloudController.Hypervisor;
using Microsoft.Data.Sqlite;

namespace CloudController.Node;

/// <summary>The node's resolved HOCON configuration: the profile, overridden by flags and --set.</summary>
public static class NodeConfiguration
{
    public static Config Load(NodeOptions options)
    {
        var profilePath = ResolveProfile(options.Profile);
        var profile = ConfigurationFactory.ParseString(File.ReadAllText(profilePath));

        var overrides = new List<string>();
        if (options.DataDir is not null) overrides.Add($"cloudcontroller.data-dir = {Quote(options.DataDir)}");
        if (options.GrpcEndpoint is not null) overrides.Add($"cloudcontroller.grpc.endpoint = {Quote(options.GrpcEndpoint)}");
        overrides.AddRange(options.Overrides.Select(HoconSetting.Line));
        var config = ConfigurationFactory.ParseString(string.Join("\n", overrides)).WithFallback(profile);
        return WithDatabase(WithSqlitePaths(config));
    }

    /// <summary>
    /// A SQLite profile names no connection string: the journal goes to the data directory, created here, in WAL
    /// mode (set once per file; it persists) so that readers never block the writer.
    /// </summary>
    private static Config WithSqlitePaths(Config config)
    {
        const string journal = "akka.persistence.journal.sql";
        if (!config.GetString($"{journal}.provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase) ||
            config.GetString($"{journal}.connection-string", "") is { Length: > 0 })
        {
            return config;
        }
        var dataDir = Path.GetFullPath(config.GetString("cloudcontroller.data-dir", "data"));
        Directory.CreateDirectory(dataDir);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "cloudcontroller.db"),
        }.ToString();
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL;";
            pragma.ExecuteNonQuery();
        }
        var quoted = Quote(connectionString);
        return ConfigurationFactory.ParseString($"""
            cloudcontroller.data-dir = {Quote(dataDir)}
            akka.persistence.journal.sql.connection-string = {quoted}
            akka.persistence.snapshot-store.sql.connection-string = {quoted}
            akka.persistence.query.journal.sql.connection-string = {quoted}
            """).WithFallback(config);
    }

    /// <summary>A profile on a server database names it once, in cloudcontroller.database; every store uses it.</summary>
    private static Config WithDatabase(Config config)
    {
        var connection = config.GetString("cloudcontroller.database.connection-string", "");
        if (connection.Length == 0)
        {
            return config.GetString("akka.persistence.journal.sql.provider-name", "").StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) &&
                   config.GetString("akka.persistence.journal.sql.connection-string", "").Length == 0
                ? throw new ArgumentException("The profile keeps its journal in PostgreSQL but names no database: set CLOUDCONTROLLER_DB (a connection string) or --set cloudcontroller.database.connection-string=...")
                : config;
        }
        var quoted = Quote(connection);
        return ConfigurationFactory.ParseString($"""
            akka.persistence.journal.sql.connection-string = {quoted}
            akka.persistence.snapshot-store.sql.connection-string = {quoted}
            akka.persistence.query.journal.sql.connection-string = {quoted}
            """).WithFallback(config);
    }

    private static string ResolveProfile(string profile)
    {
        if (File.Exists(profile)) return profile;
        var shipped = Path.Combine(AppContext.BaseDirectory, "config", $"{profile}.conf");
        if (File.Exists(shipped)) return shipped;
        var available = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "config"))
            ? string.Join(", ", Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "config"), "*.conf").Select(Path.GetFileNameWithoutExtension))
            : "none";
        throw new ArgumentException($"No configuration profile '{profile}': not a file, and not one of the shipped profiles ({available}).");
    }

    private static string Quote(string value) => HoconSetting.Quote(value);
}
