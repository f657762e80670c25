using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Grpc.Net.Client;

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

    /// <summary>Users as the access registry holds them at the end: bot was added first, then ops, then bot's token
    /// replaced (so bot's token is the newer); viewer was added and removed.</summary>
    public const string Bot = "golden-bot", Ops = "golden-ops", RemovedUser = "golden-viewer";

    /// <summary>The owner whose quota is set, and used by <see cref="WithData"/> and by <see cref="Deleted"/> until its deletion.</summary>
    public const string QuotaOwner = "golden-team";
    public const int QuotaVms = 3;

    /// <summary>The storage pool both of the quota owner's VMs were allocated from: one shared datastore of <see cref="DatastoreGib"/>.</summary>
    public const string StoragePool = "golden-store", Datastore = "golden-san";
    public const long DatastoreGib = 200;

    /// <summary>What the one VM left in <see cref="StoragePool"/> holds: all but the model's 10 GiB image.</summary>
    public const long RemainingShareGib = DatastoreGib - 10;

    /// <summary>A VM whose provisioning data changed twice after it was created (generation 3, applied by its guest), with a secret.</summary>
    public const string WithData = "golden-data";
    public const long DataGeneration = 3;
    public const string SecretKey = "secret.api-key", SecretValue = "golden-sealed-7f3a91c2";
    public const string Deleted = "golden-gone";

    /// <summary>A VM migrated once to the other host, then a second migration aborted before its switch-over.</summary>
    public const string Moved = "golden-moved";

    /// <summary>The kept VM's activation token, spent in the run: kept beside the journal so a reader can show it is refused.</summary>
    public const string SpentTokenFile = "golden-spent-activation-token.txt";

    /// <summary>Runs the script; returns the activation token it spent.</summary>
    public static async Task<string> RunAsync(RunningNode node)
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

        await AccessUsersAsync(node);
        await QuotaStorageAndDataAsync(node);
        await MigrationsAsync(node);
        return await ActivationAsync(node, kept.VmId);
    }

    private static async Task AccessUsersAsync(RunningNode node)
    {
        using var channel = GrpcChannel.ForAddress(node.Node.Endpoint);
        var access = new Access.AccessClient(channel);
        await access.AddUserAsync(new AddUserRequest { Name = Bot, Role = Role.Provisioner, ServiceAccount = true });
        await access.AddUserAsync(new AddUserRequest { Name = Ops, Role = Role.Administrator });
        await access.AddUserAsync(new AddUserRequest { Name = RemovedUser, Role = Role.Viewer });
        await access.RotateTokenAsync(new RotateTokenRequest { Name = Bot });
        await access.RemoveUserAsync(new RemoveUserRequest { Name = RemovedUser });
    }

    /// <summary>A quota set and used, a storage pool allocated from and given back to, and data changed with a secret.</summary>
    private static async Task QuotaStorageAndDataAsync(RunningNode node)
    {
        await node.Quotas.SetQuotaAsync(new SetQuotaRequest { User = QuotaOwner, Vms = QuotaVms });
        await node.Storage.DefinePoolAsync(new StoragePool
        {
            Id = StoragePool, Policy = "equal", Datastores = { new StorageDatastore { Id = Datastore, Kind = "shared", Media = "ssd", CapacityGib = DatastoreGib } },
        });
        var withData = await ProvisionAsync(node, new ProvisionRequest
        {
            Model = "ubuntu", Hostname = WithData, Owner = QuotaOwner, StoragePool = StoragePool, Data = { ["app.mode"] = "blue" },
        });
        var deleted = await ProvisionAsync(node, new ProvisionRequest { Model = "ubuntu", Hostname = Deleted, Owner = QuotaOwner, StoragePool = StoragePool });
        // Its activation token is revoked with it.
        await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = deleted });
        var deletion = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = deleted });
        Require(TaskState.Succeeded, (await node.WatchToEndAsync(deletion.TaskId))[^1].State, "deleting " + Deleted);
        await Eventually.True(async () => (await node.Quotas.GetQuotaAsync(new GetQuotaRequest { User = QuotaOwner })).Usage.Vms == 1,
            $"{Deleted}'s quota claim given back");
        await Eventually.True(async () => (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).TokensOutstanding == PoolChildren,
            $"{Deleted}'s activation token revoked");
        var shares = (await node.Storage.ListAllocationsAsync(new ListAllocationsRequest { PoolId = StoragePool })).Allocations;
        if (shares.Count != 1 || shares[0].VmId != withData || shares[0].Gib != RemainingShareGib)
            throw new InvalidOperationException($"the golden run's storage pool holds {shares}, not {RemainingShareGib} GiB for {WithData} alone");

        await node.Vms.SetVmConfigAsync(new SetVmConfigRequest { Id = withData, Set = { ["app.mode"] = "green", [SecretKey] = SecretValue } });
        await node.Vms.SetVmConfigAsync(new SetVmConfigRequest { Id = withData, Set = { ["app.db-url"] = "postgres://db/app" }, Remove = { "app.mode" } });
        // Its guest applied the last generation, as a guest agent acknowledges it with its own token.
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = withData });
        var guestToken = node.Fleet.Inspect(vm.HostId).VmsById[withData].Data!.Values["guest.token"];
        using var channel = GrpcChannel.ForAddress(node.Node.Endpoint);
        await new GuestChannel.GuestChannelClient(channel).AcknowledgeDataAsync(new AcknowledgeDataRequest { VmId = withData, Token = guestToken, Generation = DataGeneration });
        await Eventually.True(async () => (await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = withData })).AppliedGeneration == DataGeneration,
            $"generation {DataGeneration} of {WithData} applied");
    }

    private static async Task MigrationsAsync(RunningNode node)
    {
        var moved = await ProvisionAsync(node, new ProvisionRequest { Model = "ubuntu", Hostname = Moved });
        var source = (await node.Vms.GetVmAsync(new GetVmRequest { Id = moved })).HostId;
        var completed = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = moved, TargetHostId = node.Fleet.HostIds.First(h => h != source) });
        Require(TaskState.Succeeded, (await node.WatchToEndAsync(completed.TaskId))[^1].State, "migrating " + Moved);

        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.PrepareMigration, Kind: SimulatedFaultKind.HangUntilCancelled));
        var aborted = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = moved, TargetHostId = source });
        await node.WaitForStageAsync(aborted.TaskId, "PreparingTarget");
        await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = aborted.TaskId, Reason = "golden journal: a migration rolled back" });
        Require(TaskState.Aborted, (await node.WatchToEndAsync(aborted.TaskId))[^1].State, "the second migration of " + Moved);
        node.Fleet.Faults.Clear();
    }

    /// <summary>A hand-out: a key set leaves the pool against a token for the kept VM, which is spent.</summary>
    private static async Task<string> ActivationAsync(RunningNode node, string keptVmId)
    {
        var token = (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = keptVmId })).Token;
        await Eventually.True(async () => (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).Available >= 2,
            "key sets ready", TimeSpan.FromSeconds(60));
        var (hostname, ip) = await SubjectAsync(node, keptVmId);
        await node.Activation.ActivateAsync(new ActivateRequest { Token = token, Hostname = hostname, Ip = ip, AgentPublicKey = KeyPoolEndToEndTests.AgentKey() });
        return token;
    }

    /// <summary>The name and address a VM's activation token was issued for: its data's.</summary>
    public static async Task<(string Hostname, string Ip)> SubjectAsync(RunningNode node, string vmId)
    {
        var values = (await node.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = vmId })).Values;
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = vmId });
        return (values.TryGetValue("hostname", out var hostname) ? hostname : vm.Hostname, values.TryGetValue("ip", out var ip) ? ip : "");
    }

    private static async Task<string> ProvisionAsync(RunningNode node, ProvisionRequest request)
    {
        var started = await node.Provisioning.ProvisionAsync(request);
        Require(TaskState.Succeeded, (await node.WatchToEndAsync(started.TaskId))[^1].State, request.Hostname);
        return started.VmId;
    }

    private static void Require(TaskState expected, TaskState actual, string what)
    {
        if (expected != actual) throw new InvalidOperationException($"the golden run's task for {what} ended {actual}, not {expected}");
    }
}
