using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudController.Node;

/// <summary>
/// How the embedded profile's SQLite file is written: the commit durability the profile chooses, and checkpoints
/// moved off the commit path. SQLite otherwise checkpoints inside whichever commit finds the write-ahead log past
/// 1,000 pages, and that commit (a key hand-out, say) waits the whole copy and its fsyncs: 150 ms here.
/// </summary>
public sealed class SqliteJournal : BackgroundService
{
    private static readonly string[] PluginIds =
        ["akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql", "akka.persistence.query.journal.sql"];

    private readonly Settings _settings;
    private readonly ILogger<SqliteJournal> _log;

    public SqliteJournal(Settings settings, ILogger<SqliteJournal> log)
    {
        _settings = settings;
        _log = log;
    }

    /// <summary>The settings of a profile that keeps its journal in SQLite, or null for any other.</summary>
    public sealed record Settings(string ConnectionString, string Synchronous, TimeSpan CheckpointInterval)
    {
        public static Settings? FromConfig(Config config)
        {
            if (!config.GetString("akka.persistence.journal.sql.provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
                return null;
            var synchronous = config.GetString("cloudcontroller.sqlite.synchronous", "full").ToUpperInvariant();
            if (synchronous is not ("NORMAL" or "FULL"))
                throw new ConfigurationException($"cloudcontroller.sqlite.synchronous = {synchronous.ToLowerInvariant()}; use normal or full.");
            var interval = config.GetTimeSpan("cloudcontroller.sqlite.checkpoint-interval", TimeSpan.FromSeconds(1));
            if (interval <= TimeSpan.Zero)
                throw new ConfigurationException("cloudcontroller.sqlite.checkpoint-interval must be positive, e.g. 1s.");
            return new Settings(config.GetString("akka.persistence.journal.sql.connection-string"), synchronous, interval);
        }

        /// <summary>Every connection the journal, snapshot store and queries open gets these pragmas.</summary>
        public Setup DataOptions()
        {
            // busy_timeout: SQLite's own wait for another connection's write, in steps of a millisecond or so; without it the
            // driver retries a busy statement after a fixed 150 ms sleep. secure_delete: a trimmed key set's sealed
            // material is overwritten, not left in free pages.
            var pragmas = $"PRAGMA synchronous = {Synchronous}; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";
            var options = new DataOptions()
                .UseConnectionString(ProviderName.SQLiteMS, ConnectionString)
                .UseAfterConnectionOpened(
                    connection => Run(connection, pragmas),
                    (connection, ct) => RunAsync(connection, pragmas, ct));
            var setup = new MultiDataOptionsSetup();
            foreach (var plugin in PluginIds) setup.AddDataOptions(plugin, options);
            return setup;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var connection = new SqliteConnection(_settings.ConnectionString);
        await connection.OpenAsync(stoppingToken);
        using var timer = new PeriodicTimer(_settings.CheckpointInterval);
        try
        {
            // PASSIVE copies what it can without waiting for, or blocking, the journal's writers and readers.
            while (await timer.WaitForNextTickAsync(stoppingToken)) await CheckpointAsync(connection, "PASSIVE", stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        // On the way out the log is folded in whole, so the next start reads one file.
        await CheckpointAsync(connection, "TRUNCATE", CancellationToken.None);
    }

    private async Task CheckpointAsync(SqliteConnection connection, string mode, CancellationToken ct)
    {
        try
        {
            await RunAsync(connection, $"PRAGMA wal_checkpoint({mode});", ct);
        }
        catch (SqliteException e)
        {
            // A busy checkpoint is retried at the next tick; the log only grows meanwhile.
            _log.LogWarning("Checkpointing the journal ({Mode}) failed: {Reason}", mode, e.Message);
        }
    }

    private static void Run(System.Data.Common.DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task RunAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
