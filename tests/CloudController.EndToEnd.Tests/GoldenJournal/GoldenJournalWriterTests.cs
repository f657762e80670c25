using CloudController.Api.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests.GoldenJournal;

/// <summary>Runs only when <see cref="Variable"/> names a directory: the run is skipped otherwise, and says so.</summary>
public sealed class GoldenJournalWriterFactAttribute : FactAttribute
{
    public const string Variable = "CLOUDCONTROLLER_WRITE_GOLDEN_JOURNAL";

    public GoldenJournalWriterFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"writes the golden journal only when {Variable} names the directory to write it to (see the README's persistence section)";
    }
}

/// <summary>
/// Writes the golden journal: a scripted run of this version on the embedded profile, whose database and secrets are
/// then checked in under <c>GoldenJournal/node-data</c> and read by <see cref="GoldenJournalTests"/> in every later version.
/// Regenerate only when a format break is deliberately accepted.
/// </summary>
public class GoldenJournalWriterTests(ITestOutputHelper output)
{
    [GoldenJournalWriterFact]
    public async Task Writes_the_golden_journal()
    {
        var target = Environment.GetEnvironmentVariable(GoldenJournalWriterFactAttribute.Variable)!;
        await using (var node = await RunningNode.StartAsync(output, GoldenJournalTests.Settings))
        {
            var spentToken = await GoldenJournalScript.RunAsync(node);
            await node.StopNodeAsync();
            Save(node.DataDir, target);
            File.WriteAllText(Path.Combine(target, GoldenJournalScript.SpentTokenFile), spentToken + "\n");
        }
    }

    /// <summary>Copies the database (checkpointed and compacted into one small file) and the secrets that unseal it.</summary>
    private static void Save(string dataDir, string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(Path.Combine(target, "secrets"));
        foreach (var file in Directory.GetFiles(Path.Combine(dataDir, "secrets")))
            File.Copy(file, Path.Combine(target, "secrets", Path.GetFileName(file)));
        var database = Path.Combine(target, "cloudcontroller.db");
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cloudcontroller.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_checkpoint(TRUNCATE); VACUUM INTO '{database.Replace("'", "''")}';";
            command.ExecuteNonQuery();
        }
        using (var copy = new SqliteConnection($"Data Source={database}"))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE;";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
    }
}
