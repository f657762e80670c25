using CloudController.Api.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests.GoldenJournal;

/// <summary>
/// The golden journal (<c>GoldenJournal/node-data</c>, written by <see cref="GoldenJournalWriterTests"/> with an earlier
/// version) must stay readable: a node started on a copy of it recovers every entity with the state it had.
/// Failing here means this version cannot read journals written before it; see the README's persistence section.
/// </summary>
public class GoldenJournalTests(ITestOutputHelper output)
{
    /// <summary>The writing node's settings: a simulated fleet.</summary>
    public static readonly string[] Settings =
    [
        $"cloudcontroller.driver.simulated.hosts={GoldenJournalScript.Hosts}",
        "cloudcontroller.pools.reconcile-interval=200ms",
    ];

    /// <summary>The reading node's: the simulated hosts of the writing run are gone with its process, and a new empty
    /// fleet of the same names would have the hosts reconcile every recorded VM as lost, so its one host has another name and no pool round runs.</summary>
    private static readonly string[] ReadingSettings =
        ["cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.driver.simulated.host-id-prefix=reading-host-", "cloudcontroller.pools.reconcile-interval=1h"];

    private static string Golden => Path.Combine(AppContext.BaseDirectory, "GoldenJournal", "node-data");

    [Fact]
    public async Task A_node_on_the_golden_journal_recovers_every_entity_with_its_state()
    {
        await using var node = await RunningNode.StartOnCopyAsync(output, Golden,
            ReadingSettings);

        var model = await node.Catalog.GetModelAsync(new GetModelRequest { Name = "ubuntu" });
        Assert.Equal("ubuntu-24.04", model.Os);

        var tasks = (await Eventually.Get(async () =>
        {
            var list = (await node.Provisioning.ListTasksAsync(new ListTasksRequest())).Tasks;
            return list.Count >= 2 ? list : null;
        }, "the recovered tasks listed")).ToList();
        var kept = tasks.Single(t => t.Hostname == GoldenJournalScript.Kept);
        var doomed = tasks.Single(t => t.Hostname == GoldenJournalScript.RolledBack);
        var keptTask = kept;
        Assert.Equal(TaskState.Succeeded, keptTask.State);
        var doomedTask = doomed;
        Assert.Equal(TaskState.Aborted, doomedTask.State);
        Assert.Contains("golden journal: a rolled back task", doomedTask.Error);

        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = keptTask.VmId });
        Assert.Equal(GoldenJournalScript.Kept, vm.Hostname);
        Assert.Equal("Running", vm.State);
        Assert.Equal(keptTask.HostId, vm.HostId);
        Assert.StartsWith("sim-host-", vm.HostId);

        var pool = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = GoldenJournalScript.Pool, WithChildren = true });
        Assert.Equal(GoldenJournalScript.PoolChildren, pool.Ready);
        Assert.Equal(GoldenJournalScript.PoolChildren, pool.Children.Count);
        Assert.All(pool.Children, c => Assert.StartsWith("10.9.0.", c.Ip));
        var template = await node.Pools.GetTemplateAsync(new GetTemplateRequest { Name = GoldenJournalScript.Pool + "-tpl" });
        Assert.NotEmpty(template.Replicas);

        var network = await node.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = GoldenJournalScript.Network });
        Assert.Equal("Ready", network.Phase);
        Assert.Equal(["db", "web"], network.Members.Select(m => m.Role).Order());
        foreach (var member in network.Members)
            Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = member.VmId })).State);

        var keys = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        // One token per pool child, and the one issued by hand for the kept VM.
        Assert.Equal(GoldenJournalScript.PoolChildren + 1, keys.TokensOutstanding);
    }

    /// <summary>The pinned manifests the golden journal holds no record of, checked in, so that both a gain in coverage
    /// (regenerated journal) and a loss show here.</summary>
    [Fact]
    public void The_pinned_manifests_the_golden_journal_lacks_are_the_listed_ones()
    {
        var pinned = Lines(Path.Combine(AppContext.BaseDirectory, "GoldenJournal", "persisted-manifests.txt"));
        var expected = Lines(Path.Combine(AppContext.BaseDirectory, "GoldenJournal", "missing-manifests.txt"));
        var held = new HashSet<string>(StringComparer.Ordinal);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(Golden, "cloudcontroller.db")};Mode=ReadOnly"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT manifest FROM journal UNION SELECT manifest FROM snapshot";
            using var reader = command.ExecuteReader();
            while (reader.Read()) held.Add(reader.GetString(0));
        }
        SqliteConnection.ClearAllPools();
        var missing = pinned.Where(m => !held.Contains(m)).ToList();
        Assert.True(expected.SequenceEqual(missing),
            "the golden journal's gap changed. Lacking now: \n" + string.Join("\n", missing) +
            "\nIf the journal was deliberately regenerated, write this list to tests/CloudController.EndToEnd.Tests/GoldenJournal/missing-manifests.txt.");
    }

    private static string[] Lines(string path) =>
        File.ReadAllLines(path).Where(line => line.Length > 0 && !line.StartsWith('#')).ToArray();
}
