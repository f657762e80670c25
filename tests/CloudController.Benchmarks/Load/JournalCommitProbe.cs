using System.Diagnostics;
using CloudController.Node;
using Microsoft.Data.Sqlite;

namespace CloudController.Benchmarks.Load;

/// <summary>
/// Times the journal's own commit on the node's SQLite file, with the journal's pragmas: one small row (the size of a
/// hand-out's event) in a table of its own with the journal's unique key, one transaction each. Timed in the same run
/// as the hand-outs, it is the floor a hand-out's latency is measured against, on the same disk, load and log.
/// </summary>
public sealed class JournalCommitProbe : IAsyncDisposable
{
    // A SetHandedOut event as JSON (set id, VM id, token hash, time) is about this size.
    private const int RowBytes = 256;
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly byte[] _payload = new byte[RowBytes];
    private readonly List<double> _latencies = [];
    private long _sequence;

    private JournalCommitProbe(SqliteConnection connection)
    {
        _connection = connection;
        Random.Shared.NextBytes(_payload);
    }

    /// <summary>A probe on the node's journal, or null when the node keeps its journal elsewhere than in SQLite.</summary>
    public static async Task<JournalCommitProbe?> OpenAsync(ControllerNode node)
    {
        var sqlite = SqliteJournal.Settings.FromConfig(node.Config);
        if (sqlite is null) return null;
        var connection = new SqliteConnection(sqlite.ConnectionString);
        await connection.OpenAsync();
        await using var setup = connection.CreateCommand();
        setup.CommandText = $"""
            PRAGMA synchronous = {sqlite.Synchronous}; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 10000;
            CREATE TABLE IF NOT EXISTS load_commit_probe (ordering INTEGER PRIMARY KEY, persistence_id TEXT NOT NULL,
                sequence_number INTEGER NOT NULL, message BLOB NOT NULL, UNIQUE (persistence_id, sequence_number));
            """;
        await setup.ExecuteNonQueryAsync();
        return new JournalCommitProbe(connection);
    }

    /// <summary>Commits one row and records how long the commit took; concurrent callers take turns, untimed while waiting.</summary>
    public async Task CommitAsync()
    {
        await _one.WaitAsync();
        try
        {
            var started = Stopwatch.GetTimestamp();
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
            await using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO load_commit_probe (persistence_id, sequence_number, message) VALUES ('probe', $n, $m)";
            insert.Parameters.AddWithValue("$n", ++_sequence);
            insert.Parameters.AddWithValue("$m", _payload);
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Forgets the commits timed so far (the warm-up's).</summary>
    public void Reset() => _latencies.Clear();

    public CommitLatency Measured() => CommitLatency.From(_latencies);

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _one.Dispose();
    }
}

/// <summary>The journal's commit latency as the probe measured it.</summary>
public sealed record CommitLatency(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    public static CommitLatency From(IReadOnlyList<double> latenciesMs)
    {
        var sorted = latenciesMs.Order().ToArray();
        return new CommitLatency(sorted.Length, LoadResult.Percentile(sorted, 0.50), LoadResult.Percentile(sorted, 0.99), sorted.LastOrDefault());
    }
}
