using Akka.Configuration;
using CloudController.Cluster.Hosting;
using Microsoft.Data.Sqlite;

namespace CloudController.Cluster.Tests;

/// <summary>
/// A throwaway SQLite journal and the configuration of an actor system that uses it, so that actor tests exercise
/// the real persistence plugin and serializer, and a second actor system on the same file proves recovery.
/// </summary>
public sealed class SqliteJournal : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cc-tests-" + Guid.NewGuid().ToString("N"));

    public SqliteJournal()
    {
        Directory.CreateDirectory(_directory);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "journal.db") }.ToString();
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL;";
        pragma.ExecuteNonQuery();
    }

    public string ConnectionString { get; }

    public Config Config(string extra = "") => ConfigurationFactory.ParseString($$"""
        {{extra}}
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.min-nr-of-members = 1
        akka.persistence {
          journal {
            plugin = "akka.persistence.journal.sql"
            sql {
              class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
              provider-name = "SQLite.MS"
              connection-string = "{{ConnectionString}}"
              auto-initialize = on
              parallelism = 1
            }
          }
          snapshot-store {
            plugin = "akka.persistence.snapshot-store.sql"
            sql {
              class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
              provider-name = "SQLite.MS"
              connection-string = "{{ConnectionString}}"
              auto-initialize = on
            }
          }
          query.journal.sql {
            class = "Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql"
            provider-name = "SQLite.MS"
            connection-string = "{{ConnectionString}}"
            refresh-interval = 100ms
            journal-sequence-retrieval.query-delay = 100ms
          }
        }
        """).WithFallback(AkkaControllerExtensions.ReferenceConfig);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A connection the plugin still holds keeps the file; the OS temp cleaner takes it later.
        }
    }
}
