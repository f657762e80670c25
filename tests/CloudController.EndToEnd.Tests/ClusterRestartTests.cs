using CloudController.Api.V1;
using CloudController.Hypervisor;
using TaskStatus = CloudController.Api.V1.TaskStatus;
using Xunit.Abstractions;
using static CloudController.EndToEnd.Tests.ClusterOfProcesses;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// The whole cluster lost at once: three node processes killed with SIGKILL together while a pool scales and single
/// VMs are being provisioned, then started again on the same database, data directories and ports. Nothing but the
/// journal carries the work over; the host agents (processes of their own, as real hosts) keep what was done to it.
/// </summary>
[Collection(ClusterOfProcessesCollection.Name)]
public sealed class ClusterRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Desired = 500;

    private const int HostCount = 10;

    private const int Agents = 2;

    private readonly ClusterOfProcesses _cluster = new();

    [Fact]
    public Task A_whole_cluster_killed_and_started_again_resumes_every_unfinished_task_and_pool() => _cluster.RunAsync(output, KillAllAndRestartAsync);

    private async Task KillAllAndRestartAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Hosts slow enough that work is in flight when the cluster dies: a single VM spends seconds powering on, and
        // a pool forks its children a hundred a batch, sixteen at a time, half a second each.
        await _cluster.StartAsync(3, Agents,
            [$"cloudcontroller.driver.simulated.hosts={HostCount / Agents}", "cloudcontroller.driver.simulated.cpu-cores=256",
             "cloudcontroller.driver.simulated.latency.power-on=3s",
             "cloudcontroller.driver.simulated.latency.register-vm=300ms", "cloudcontroller.driver.simulated.latency.fork=500ms"],
            ["cloudcontroller.pools.batch-size=100", "cloudcontroller.pools.fork-concurrency=16",
             // A few keys only, for the children's tokens: RSA generation would take the two cores from everything else.
             "cloudcontroller.key-pool.fill-on-start=off", "cloudcontroller.key-pool.low-water=1",
             "cloudcontroller.key-pool.high-water=2", "cloudcontroller.key-pool.max-size=4"]);
        var clients = _cluster.On(_cluster.Nodes[0]);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the cluster is up");
        await DefineUbuntuTemplateAsync(clients);
        await Retried(() => clients.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.1.0.0/20", Desired = Desired }).ResponseAsync,
            "the pool created", LongCall);

        // The pool part-way, single VMs being provisioned: the whole cluster dies once half of them are powering on.
        await Eventually.True(async () => (await clients.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Ready >= 100, "100 children", TimeSpan.FromSeconds(60));
        var tasks = await ProvisionAsync(clients, "single", 10);
        var lastSeen = "";
        TaskStatus[] beforeKill;
        try
        {
            beforeKill = await Eventually.Get(async () =>
            {
                var statuses = await Task.WhenAll(tasks.Select(id => clients.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = id }).ResponseAsync));
                lastSeen = Stages(statuses);
                return statuses.Count(s => s.Stage == "PoweringOn") >= tasks.Count / 2 && statuses.All(s => s.HostId.Length > 0) ? statuses : null;
            }, "every task on a host, half of them powering on", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {lastSeen}", e);
        }
        var poolBeforeKill = await clients.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" });
        for (var i = 0; i < _cluster.Nodes.Count; i++) _cluster.Kill(i);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: every node killed, with {beforeKill.Count(s => !IsEnded(s))} tasks unfinished " +
                         $"({Stages(beforeKill)}) and the pool at {poolBeforeKill.Ready} ready, {poolBeforeKill.Pending} forking");
        Assert.True(poolBeforeKill.Ready < Desired, "the pool was still scaling when the cluster died");

        // Started again on what they had: the same database, data directories and addresses.
        await _cluster.StartNodesAsync(Enumerable.Range(0, _cluster.Nodes.Count).ToArray());
        var restartedAt = DateTime.UtcNow;
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: every node up again");

        // Nothing asks a task or the pool until their work is seen done on the hosts: they carry on by themselves. Each
        // task held a reservation on its host when the cluster died, until it succeeds (committed) or rolls back
        // (released); the pool's children are what runs besides the tasks' VMs.
        try
        {
            await Eventually.True(async () =>
            {
                var hosts = (await Retried(() => clients.Hosts.ListHostsAsync(new ListHostsRequest()).ResponseAsync, "the hosts", LongCall)).Hosts;
                var (running, singles) = (await _cluster.RunningOnFleetAsync(), 0);
                foreach (var task in beforeKill)
                    if ((await _cluster.Fleet.GetVmAsync(task.HostId, task.VmId, CancellationToken.None))?.PowerState == VmPowerState.Running) singles++;
                var reservations = hosts.Sum(h => h.ReservationCount);
                lastSeen = $"{hosts.Count} hosts known, {reservations} reservations held, {singles} single VMs running, {running - singles} other VMs";
                return hosts.Count == HostCount && reservations == 0 && running - singles == Desired;
            }, "the tasks ended and the pool complete, unasked", TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {lastSeen}", e);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s, {(DateTime.UtcNow - restartedAt).TotalSeconds:F1} s after every node was up: " +
                         $"the tasks ended and the pool complete, as the hosts show ({lastSeen})");

        // Every task ended, succeeded or rolled back.
        var ends = await EndsAsync(clients, tasks, TimeSpan.FromSeconds(30));
        output.WriteLine($"tasks: {string.Join(", ", ends.Values.GroupBy(s => s.State).Select(g => $"{g.Key} {g.Count()}"))}");

        var pool = await PoolAtAsync(clients, "web", Desired, TimeSpan.FromSeconds(30));
        output.WriteLine($"pool: failed forks {pool.FailedTotal}");

        // Nothing twice, nothing lost, nothing held for nobody: on the hosts themselves, and in the controller's records.
        await _cluster.AssertFleetRunsExactlyAsync(clients, pool, ends.Values, output);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked");
    }

    private static string Stages(IEnumerable<TaskStatus> statuses) =>
        string.Join(", ", statuses.GroupBy(s => $"{s.State} {s.Stage}").Select(g => $"{g.Count()} {g.Key}"));

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every process this test started goes with it, whatever happened (xUnit 2 does not dispose IAsyncDisposable test classes).</summary>
    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}
