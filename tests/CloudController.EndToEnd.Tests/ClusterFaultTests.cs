using CloudController.Api.V1;
using CloudController.FirstBoot;
using Grpc.Core;
using Xunit.Abstractions;
using static CloudController.EndToEnd.Tests.ClusterOfProcesses;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Three node processes on one PostgreSQL driving two host agents' simulated hosts (processes of their own, as real
/// hosts outlive any controller node). The node holding the key pool is killed with SIGKILL while a pool scales to
/// 1,000, single VMs are provisioned and agents activate through every node; another node later leaves with SIGTERM
/// while the pool grows again.
/// </summary>
[Collection(ClusterOfProcessesCollection.Name)]
public sealed class ClusterFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Activation tokens redeemed around the kill: half before it, half racing it.</summary>
    private const int ActivationCount = 20;

    private readonly ClusterOfProcesses _cluster = new();

    [Fact]
    public Task A_node_killed_mid_scale_leaves_nothing_half_done_hands_no_key_set_out_twice_and_one_leaving_gracefully_fails_nothing() =>
        _cluster.RunAsync(output, KillAndLeaveAsync);

    private async Task KillAndLeaveAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _cluster.StartAsync(3, 2,
            ["cloudcontroller.driver.simulated.hosts=10", "cloudcontroller.driver.simulated.cpu-cores=256"],
            // A key pool that holds as many sets as the test activates: generation (an RSA key a set, a third of a
            // second of a core or more, at nice 19) starts with the first token and stops when the pool is full.
            ["cloudcontroller.key-pool.fill-on-start=off", "cloudcontroller.key-pool.low-water=1",
             $"cloudcontroller.key-pool.high-water={ActivationCount}", $"cloudcontroller.key-pool.max-size={ActivationCount}"]);
        var clients = _cluster.On(_cluster.Nodes[0]);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the cluster is up");

        // Tokens first: the first one wakes the key pool, which fills while the template is defined. It is full
        // before the pool starts scaling, which would leave its generation (at nice 19) nothing of the two cores.
        var grants = new List<Grant>();
        for (var i = 0; i < ActivationCount; i++)
        {
            var grant = new Grant($"act-{i:00}", $"10.9.0.{i + 1}");
            var issued = await Retried(() => clients.KeyPool.IssueActivationTokenAsync(
                new IssueActivationTokenRequest { VmId = $"vm-{grant.Hostname}", Hostname = grant.Hostname, Ip = grant.Ip }).ResponseAsync, "a token", LongCall);
            grants.Add(grant with { Token = issued.Token });
        }
        await DefineUbuntuTemplateAsync(clients);
        await Eventually.True(async () => (await clients.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).Available == ActivationCount,
            "the key pool full", TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(250));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the key pool is full");

        // Three agents, one through each node, activate concurrently: the first half before the pool scales.
        var early = await new Activations(_cluster).RedeemAsync(grants.Take(ActivationCount / 2).ToList());

        await Retried(() => clients.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.1.0.0/20", Desired = 1000 }).ResponseAsync,
            "the pool created", LongCall);
        var tasks = await ProvisionAsync(clients, "single", 10);

        // Mid-way: some children ready, more being forked, tasks in flight. The node holding the key pool dies as soon
        // as the second half's first activation is answered, while the agents go on with their next ones: a hand-out
        // journaled but not answered is burned; the others get sets journaled before the kill, from the pool re-homed.
        await Eventually.True(async () => (await clients.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready >= 100, "100 children", TimeSpan.FromSeconds(60));
        var doomed = await Eventually.Get(() => Task.FromResult(_cluster.KeyPoolHolders() is [var one] ? one : null), "the key pool on one node", TimeSpan.FromSeconds(30));
        var second = new Activations(_cluster);
        var late = second.RedeemAsync(grants.Skip(ActivationCount / 2).ToList());
        await second.FirstAnswer;
        _cluster.Kill(doomed.Index);
        var killedAt = DateTime.UtcNow;
        var answered = second.Answered;
        var survivors = _cluster.Nodes.Where(n => n != doomed).ToList();
        clients = _cluster.On(survivors[0]);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: killed {doomed.Name}, which held the key pool, with {answered} of the second half's {ActivationCount - ActivationCount / 2} activations answered");

        // Every task ends, succeeded or rolled back, within 60 s of the kill.
        var ends = await EndsAsync(clients, tasks, killedAt.AddSeconds(60) - DateTime.UtcNow);
        output.WriteLine($"tasks ended {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill: {string.Join(", ", ends.Values.GroupBy(s => s.State).Select(g => $"{g.Key} {g.Count()}"))}");

        var pool = await PoolAtAsync(clients, "web", 1000, TimeSpan.FromSeconds(120));
        output.WriteLine($"pool at 1,000 {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill; failed forks {pool.FailedTotal}");

        // No key set handed out twice: every activation ended with its own set, or with its token spent by a hand-out
        // whose answer died with the node (burned, never reissued); no token works again.
        var outcomes = early.Concat(await late).ToList();
        output.WriteLine($"activations: {outcomes.Count(o => o.SetId is not null)} sets handed out, {outcomes.Count(o => o.SetId is null)} burned; " +
                         $"{outcomes.Sum(o => o.Retries)} retries after an unanswered call");
        var sets = outcomes.Where(o => o.SetId is not null).Select(o => o.SetId!.Value).ToList();
        Assert.Equal(sets.Count, sets.Distinct().Count());
        Assert.All(outcomes.Where(o => o.SetId is null), burned => Assert.True(burned.Retries > 0, $"{burned.Grant.Hostname}'s token was spent before its first answer"));
        foreach (var grant in grants)
        {
            var again = await Assert.ThrowsAsync<RpcException>(() => Retried(() => _cluster.AgentOn(survivors[1]).ActivateAsync(Activations.Request(grant)).ResponseAsync,
                "the token again", LongCall));
            Assert.Contains("already used", again.Status.Detail);
        }
        var status = await Retried(() => clients.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest()).ResponseAsync, "the key pool's status", LongCall);
        output.WriteLine($"key pool: {status.GeneratedTotal} generated, {status.HandedOutTotal} handed out, {status.Available} available");
        Assert.Equal(ActivationCount, status.HandedOutTotal);
        Assert.Equal(status.GeneratedTotal, status.Available + status.HandedOutTotal);

        // Nothing twice, nothing lost, nothing held for nobody: on the hosts themselves.
        await _cluster.AssertFleetRunsExactlyAsync(clients, pool, ends.Values, output);

        // The pool's status with its 1,000 children, asked of the other survivor too: one of the two asks crosses nodes.
        var other = _cluster.On(survivors[1]);
        Assert.Equal(1000, (await other.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true })).Children.Count(c => c.State == "Ready"));

        // A node leaving gracefully (SIGTERM) while the pool grows and VMs are provisioned fails nothing.
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked; {survivors[1].Name} leaves while the pool grows");
        await clients.Pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 1100 });
        var more = await ProvisionAsync(clients, "more", 5);
        Assert.True(await survivors[1].Process.TerminateAsync(TimeSpan.FromSeconds(60)), $"{survivors[1].Name} left within 60 s of SIGTERM");
        Assert.All((await EndsAsync(clients, more, TimeSpan.FromSeconds(60))).Values, end => Assert.Equal(TaskState.Succeeded, end.State));
        await PoolAtAsync(clients, "web", 1100, TimeSpan.FromSeconds(90));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the pool at 1,100");
    }

    /// <summary>A VM's activation: the name and address it was issued for, and its one-time token.</summary>
    private sealed record Grant(string Hostname, string Ip, string Token = "");

    /// <summary>How one activation ended: its set, or none when its token was spent by an answer that never came.</summary>
    private sealed record Outcome(Grant Grant, Guid? SetId, int Retries);

    /// <summary>
    /// Agents, one through each node, each activating its share of the VMs one after another. A call left unanswered (its
    /// node died, its shard is re-homing) is sent again with the same token, through a live node; so is one that finds
    /// the pool empty, four times a second.
    /// </summary>
    private sealed class Activations(ClusterOfProcesses cluster)
    {
        private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        /// <summary>Completes when the first activation is answered.</summary>
        public Task FirstAnswer => _answered.Task;

        public int Answered => Volatile.Read(ref _count);

        public static ActivateRequest Request(Grant grant) =>
            new() { Token = grant.Token, Hostname = grant.Hostname, Ip = grant.Ip, AgentPublicKey = KeyPoolEndToEndTests.AgentKey() };

        public async Task<List<Outcome>> RedeemAsync(IReadOnlyList<Grant> grants)
        {
            var agents = Enumerable.Range(0, cluster.Nodes.Count).Select(async through =>
            {
                var outcomes = new List<Outcome>();
                foreach (var grant in grants.Where((_, i) => i % cluster.Nodes.Count == through)) outcomes.Add(await RedeemAsync(grant, through));
                return outcomes;
            });
            return (await Task.WhenAll(agents)).SelectMany(o => o).ToList();
        }

        private async Task<Outcome> RedeemAsync(Grant grant, int through)
        {
            var retries = 0;
            Outcome? outcome = null;
            await Eventually.True(async () =>
            {
                var node = cluster.Nodes[through] is { Process.HasExited: false } preferred ? preferred : cluster.Nodes.First(n => !n.Process.HasExited);
                try
                {
                    var response = await cluster.AgentOn(node).ActivateAsync(Request(grant), deadline: DateTime.UtcNow.AddSeconds(15));
                    var bundle = ActivationBundle.FromBytes(response.Bundle.ToByteArray());
                    Assert.Equal(grant.Hostname, bundle.Hostname);
                    outcome = new Outcome(grant, bundle.SetId, retries);
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains("already used"))
                {
                    outcome = new Outcome(grant, null, retries);
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains("key pool is empty"))
                {
                    return false;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
                {
                    retries++;
                    return false;
                }
            }, $"{grant.Hostname} activated", TimeSpan.FromSeconds(150), every: TimeSpan.FromMilliseconds(250));
            Interlocked.Increment(ref _count);
            _answered.TrySetResult();
            return outcome!;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every process this test started goes with it, whatever happened; a node left running would load the rest of the suite.</summary>
    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}
