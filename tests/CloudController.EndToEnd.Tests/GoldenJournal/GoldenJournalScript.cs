using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;

namespace CloudController.EndToEnd.Tests.GoldenJournal;

/// <summary>
/// What the golden journal holds, and so what <see cref="GoldenJournalTests"/> expects to recover: the names and
/// counts here are shared by the writer and the reader.
/// </summary>
public static class GoldenJournalScript
{
    public const int Hosts = 2;
    public const string Kept = "golden-web";
    public const string RolledBack = "golden-doomed";
    public const string Pool = "golden-pool";
    public const int PoolChildren = 3;
    public const string Network = "golden-net";

    public static async Task RunAsync(RunningNode node)
    {
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(Hosts);

        var kept = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = Kept });
        Require(TaskState.Succeeded, (await node.WatchToEndAsync(kept.TaskId))[^1].State, Kept);

        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.PowerOn, Kind: SimulatedFaultKind.HangUntilCancelled));
        var doomed = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = RolledBack });
        await node.WaitForStageAsync(doomed.TaskId, "PoweringOn");
        await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = doomed.TaskId, Reason = "golden journal: a rolled back task" });
        Require(TaskState.Aborted, (await node.WatchToEndAsync(doomed.TaskId))[^1].State, RolledBack);
        node.Fleet.Faults.Clear();

        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest
        {
            Name = Pool + "-tpl", Model = "ubuntu", Customizations = { new ParentCustomization { Name = "add-data-disk", Reboots = 1 } },
        });
        await node.Pools.CreatePoolAsync(new CreatePoolRequest
        {
            Name = Pool, Template = Pool + "-tpl", NamePattern = Pool + "-{n:00}", IpRange = "10.9.0.0/24", Domain = "golden.example", Desired = PoolChildren,
        });
        await Eventually.True(async () =>
        {
            var pool = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = Pool });
            return pool.Ready == PoolChildren && pool.Pending == 0;
        }, $"{PoolChildren} ready children in {Pool}", TimeSpan.FromSeconds(60));

        var network = new ProvisionNetworkRequest { Name = Network, Domain = "golden.example", IpRange = "10.9.1.10-10.9.1.20" };
        network.Members.Add(new NetworkMemberRequest { Role = "web", Model = "ubuntu", Data = { ["app.db-url"] = "postgres://${db.ip}/shop" } });
        network.Members.Add(new NetworkMemberRequest { Role = "db", Model = "ubuntu" });
        await node.Provisioning.ProvisionNetworkAsync(network);
        await Eventually.True(async () => (await node.Provisioning.GetNetworkAsync(new GetNetworkRequest { Name = Network })).Phase == "Ready",
            $"network {Network} ready", TimeSpan.FromSeconds(60));

        // A hand-out: a set leaves the key pool against a token for the kept VM.
        await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = kept.VmId });
    }

    private static void Require(TaskState expected, TaskState actual, string what)
    {
        if (expected != actual) throw new InvalidOperationException($"the golden run's task for {what} ended {actual}, not {expected}");
    }
}
