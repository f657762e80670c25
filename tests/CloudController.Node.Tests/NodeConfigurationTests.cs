namespace CloudController.Node.Tests;

public sealed class NodeConfigurationTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-node-{Guid.NewGuid():N}");

    private static NodeOptions Options(string profile = "embedded", string? dataDir = null, params string[] overrides) =>
        new(profile, dataDir, null, overrides);

    [Fact]
    public void The_embedded_profile_keeps_its_journal_in_the_data_directory_which_it_creates()
    {
        var config = NodeConfiguration.Load(Options(dataDir: _dataDir));

        Assert.True(Directory.Exists(_dataDir));
        Assert.Equal(Path.GetFullPath(_dataDir), config.GetString("cloudcontroller.data-dir"));
        var journal = config.GetString("akka.persistence.journal.sql.connection-string");
        Assert.Contains(Path.Combine(Path.GetFullPath(_dataDir), "cloudcontroller.db"), journal);
        Assert.Equal(journal, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal(journal, config.GetString("akka.persistence.query.journal.sql.connection-string"));
    }

    [Fact]
    public void Overrides_win_over_the_profile_and_keep_numbers_and_lists_as_hocon()
    {
        var config = NodeConfiguration.Load(Options(dataDir: _dataDir, overrides:
            ["cloudcontroller.driver.simulated.hosts=3", "cloudcontroller.driver.kind = simulated", "akka.cluster.seed-nodes=[\"akka.tcp://a@h:1\"]"]));

        Assert.Equal(3, config.GetInt("cloudcontroller.driver.simulated.hosts"));
        Assert.Equal("simulated", config.GetString("cloudcontroller.driver.kind"));
        Assert.Equal(["akka.tcp://a@h:1"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void Refuses_a_profile_that_is_neither_a_file_nor_shipped_and_lists_the_shipped_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => NodeConfiguration.Load(Options("no-such-profile")));
        Assert.Contains("No configuration profile 'no-such-profile'", e.Message);
        Assert.Contains("embedded", e.Message);
        Assert.Contains("postgres", e.Message);
    }

    [Fact]
    public void Refuses_the_postgres_profile_without_a_database_and_says_how_to_name_one()
    {
        var e = Assert.Throws<ArgumentException>(() => NodeConfiguration.Load(Options("postgres", _dataDir)));
        Assert.Contains("CLOUDCONTROLLER_DB", e.Message);
    }

    [Fact]
    public void The_database_named_once_reaches_every_store()
    {
        const string db = "Host=db;Database=cc;Username=cc";
        var config = NodeConfiguration.Load(Options("postgres", _dataDir, $"cloudcontroller.database.connection-string={db}"));

        Assert.Equal(db, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(db, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal(db, config.GetString("akka.persistence.query.journal.sql.connection-string"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
