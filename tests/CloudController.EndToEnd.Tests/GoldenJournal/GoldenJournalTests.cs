using System.Text;
using CloudController.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using TaskStatus = CloudController.Api.V1.TaskStatus;

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
        // Its tokens stay good for any later reader: a grant's expiry is journaled with it.
        "cloudcontroller.key-pool.token-lifetime=3650d", "cloudcontroller.key-pool.spent-retention=3650d",
    ];

    /// <summary>The reading node's: the simulated hosts of the writing run are gone with its process, and a new empty
    /// fleet of the same names would have the hosts reconcile every recorded VM as lost, so its one host has another name. The
    /// recorded hosts, silent, are not declared offline during the test (their pool children would be replaced, with new tokens),
    /// no pool round runs but the one at recovery, and no key pool prune (it would forget a spent token older than its retention).</summary>
    private static readonly string[] ReadingSettings =
    [
        "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.driver.simulated.host-id-prefix=reading-host-", "cloudcontroller.pools.reconcile-interval=1h",
        "cloudcontroller.fleet.unreachable-after=1h", "cloudcontroller.key-pool.prune-every=1h",
    ];

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
            return list.Count(t => t.Kind == "Migrate") == 2 && list.Any(t => t.Kind == "Delete") ? list : null;
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

        await AssertUsersAsync(node);
        await AssertQuotaStorageAndDataAsync(node, tasks);
        await AssertMigrationsAsync(node, tasks);
        await AssertKeyPoolAsync(node, keptTask.VmId);
    }

    private static async Task AssertUsersAsync(RunningNode node)
    {
        using var channel = GrpcChannel.ForAddress(node.Node.Endpoint);
        var users = (await new Access.AccessClient(channel).ListUsersAsync(new ListUsersRequest())).Users;
        Assert.Equal([(GoldenJournalScript.Bot, Role.Provisioner, true), (GoldenJournalScript.Ops, Role.Administrator, false)],
            users.Select(u => (u.Name, u.Role, u.ServiceAccount)));
        // The bot was added before ops, but its token was replaced after.
        Assert.True(DateTimeOffset.Parse(users[0].Since) > DateTimeOffset.Parse(users[1].Since), $"{users[0].Since} after {users[1].Since}");
    }

    private static async Task AssertQuotaStorageAndDataAsync(RunningNode node, List<TaskStatus> tasks)
    {
        var withData = tasks.Single(t => t.Hostname == GoldenJournalScript.WithData && t.Kind == "Provision");
        var deleted = tasks.Single(t => t.Hostname == GoldenJournalScript.Deleted && t.Kind == "Delete");
        Assert.Equal(TaskState.Succeeded, deleted.State);
        await Assert.ThrowsAsync<RpcException>(async () => await node.Vms.GetVmAsync(new GetVmRequest { Id = deleted.VmId }));

        var quota = await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = GoldenJournalScript.QuotaOwner });
        Assert.Equal((GoldenJournalScript.QuotaVms, 1), (quota.VmsLimit, quota.Usage.Vms)); // the deleted VM's claim given back
        Assert.Equal((await node.Vms.GetVmAsync(new GetVmRequest { Id = withData.VmId })).Hardware.MemoryMib, quota.Usage.MemoryMib);

        var allocations = (await node.Storage.ListAllocationsAsync(new ListAllocationsRequest { PoolId = GoldenJournalScript.StoragePool })).Allocations;
        Assert.Equal([(withData.VmId, GoldenJournalScript.Datastore, GoldenJournalScript.RemainingShareGib)], allocations.Select(a => (a.VmId, a.DatastoreId, a.Gib)));
        var changes = (await node.Storage.ListChangesAsync(new ListAllocationChangesRequest())).Changes;
        Assert.Contains(changes, c => c.VmId == deleted.VmId && c.Why == "released");

        var config = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = withData.VmId });
        Assert.Equal((GoldenJournalScript.DataGeneration, GoldenJournalScript.DataGeneration), (config.DesiredGeneration, config.AppliedGeneration));
        Assert.False(config.Values.ContainsKey("app.mode"));
        Assert.Equal("postgres://db/app", config.Values["app.db-url"]);
        Assert.Equal("********", config.Values[GoldenJournalScript.SecretKey]);
        var secrets = await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = withData.VmId, ShowSecrets = true });
        Assert.Equal(GoldenJournalScript.SecretValue, secrets.Values[GoldenJournalScript.SecretKey]);
        // Readable because it was sealed with the checked-in storage key, not because it sits in the journal in clear.
        var database = File.ReadAllBytes(Path.Combine(Golden, "cloudcontroller.db"));
        Assert.True(database.AsSpan().IndexOf(Encoding.UTF8.GetBytes(GoldenJournalScript.SecretValue)) < 0, "the secret is in the golden journal in clear");
    }

    private static async Task AssertMigrationsAsync(RunningNode node, List<TaskStatus> tasks)
    {
        var provisioned = tasks.Single(t => t.Hostname == GoldenJournalScript.Moved && t.Kind == "Provision");
        var migrations = tasks.Where(t => t.VmId == provisioned.VmId && t.Kind == "Migrate").ToList();
        var completed = migrations.Single(t => t.State == TaskState.Succeeded);
        var aborted = migrations.Single(t => t.State == TaskState.Aborted);
        Assert.Contains("golden journal: a migration rolled back", aborted.Error);
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = provisioned.VmId });
        Assert.Equal("Running", vm.State);
        Assert.Equal(completed.HostId, vm.HostId);
        Assert.NotEqual(provisioned.HostId, vm.HostId);
    }

    private static async Task AssertKeyPoolAsync(RunningNode node, string keptVmId)
    {
        var keys = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        // One token per pool child: the kept VM's was spent, the deleted VM's revoked.
        Assert.Equal(GoldenJournalScript.PoolChildren, keys.TokensOutstanding);
        Assert.Equal(1, keys.HandedOutTotal);

        var (hostname, ip) = await GoldenJournalScript.SubjectAsync(node, keptVmId);
        var spent = File.ReadAllText(Path.Combine(Golden, GoldenJournalScript.SpentTokenFile)).Trim();
        var again = await Assert.ThrowsAsync<RpcException>(async () => await node.Activation.ActivateAsync(
            new ActivateRequest { Token = spent, Hostname = hostname, Ip = ip, AgentPublicKey = KeyPoolEndToEndTests.AgentKey() }));
        Assert.Contains("already used", again.Status.Detail);

        // A key set stored by the writing run, sealed under the checked-in storage key, is handed out after recovery.
        Assert.True(keys.Available > 0, "no key set recovered");
        var token = (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = keptVmId })).Token;
        var bundle = await node.Activation.ActivateAsync(new ActivateRequest { Token = token, Hostname = hostname, Ip = ip, AgentPublicKey = KeyPoolEndToEndTests.AgentKey() });
        Assert.NotEmpty(bundle.Bundle);
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
