using System.Collections.Concurrent;
using CloudController.Hypervisor.Agents.V1;
using CloudController.Domain.Catalog;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// The controller's driver for hosts on other machines: each host is served by the host agent (cc-hostd) on its
/// machine, one that joined the fleet with a token, and every operation goes to the agent that serves its host. A
/// migration or a copy between hosts of two agents runs as halves on each.
/// </summary>
public sealed class AgentDriver(AgentDirectory agents) : IHypervisorDriver, IDisposable
{
    /// <summary>Host id to the name of the agent serving it.</summary>
    private readonly ConcurrentDictionary<string, string> _routes = new(StringComparer.Ordinal);

    public AgentDirectory Agents { get; } = agents;

    /// <summary>
    /// Where an image comes from and its digest, by image name (the node's image store, which fetched and checked it
    /// when its model was added): sent with each base layer, so an agent lacking the image fetches it itself.
    /// </summary>
    public Func<string, ImageSource?> ImageSources { get; set; } = _ => null;

    public string Name => $"host agents ({Agents.Links.Count} joined: {string.Join(", ", Agents.Links.Select(a => a.Name))})";

    /// <summary>What every agent that answered can do (none until one has).</summary>
    public DriverCapabilities Capabilities =>
        Agents.Links.Select(a => a.Hello).OfType<HelloReply>().Select(h => (DriverCapabilities)h.Capabilities).DefaultIfEmpty(DriverCapabilities.None).Aggregate((a, b) => a & b);

    /// <summary>Every answering agent's hosts; an agent that does not answer leaves its hosts out until it does.</summary>
    public async Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct)
    {
        var links = Agents.Links;
        if (links.Count == 0) return [];
        var found = await Task.WhenAll(links.Select(async agent =>
        {
            try
            {
                if (agent.Hello is null) await agent.HelloAsync(ct);
                return (agent, Hosts: await agent.CallAsync<IReadOnlyList<HostInventory>>(DriverOperation.DiscoverHosts, "*", ct), Error: (HypervisorException?)null);
            }
            catch (HypervisorException e)
            {
                return (agent, Hosts: (IReadOnlyList<HostInventory>)[], Error: e);
            }
        }));
        if (found.All(f => f.Error is not null)) throw found[0].Error!;
        var hosts = new Dictionary<string, (AgentLink Agent, HostInventory Inventory)>(StringComparer.Ordinal);
        foreach (var (agent, inventories, _) in found)
        {
            foreach (var inventory in inventories)
            {
                if (hosts.TryGetValue(inventory.HostId, out var other))
                {
                    throw new HypervisorException(DriverOperation.DiscoverHosts, inventory.HostId,
                        $"both the agent at {other.Agent.Endpoint} and the one at {agent.Endpoint} serve it: give each agent's hosts their own ids.");
                }
                hosts[inventory.HostId] = (agent, inventory);
            }
        }
        foreach (var (hostId, (agent, _)) in hosts) _routes[hostId] = agent.Name;
        return hosts.Values.Select(h => h.Inventory).ToList();
    }

    private async Task<AgentLink> AgentOfAsync(DriverOperation operation, string hostId, CancellationToken ct)
    {
        if (_routes.TryGetValue(hostId, out var name) && Agents[name] is { } agent) return agent;
        await DiscoverHostsAsync(ct);
        return _routes.TryGetValue(hostId, out name) && Agents[name] is { } found
            ? found
            : throw new HypervisorException(operation, hostId, "no host agent serves this host (none of the joined agents answering lists it).");
    }

    private async Task CallAsync(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments) =>
        await (await AgentOfAsync(operation, hostId, ct)).CallAsync(operation, hostId, ct, arguments);

    private async Task<T> CallAsync<T>(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments) =>
        await (await AgentOfAsync(operation, hostId, ct)).CallAsync<T>(operation, hostId, ct, arguments);

    public Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct) =>
        CallAsync<HostStatusReport>(DriverOperation.QueryHostStatus, hostId, ct, hostId);

    public Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct) =>
        CallAsync(DriverOperation.EnsureBaseLayer, hostId, ct, hostId, spec with { Source = spec.Source ?? ImageSources(spec.Image) });

    public Task CreateDiskLayerAsync(string hostId, DiskLayerSpec spec, CancellationToken ct) => CallAsync(DriverOperation.CreateDiskLayer, hostId, ct, hostId, spec);

    public Task DeleteDiskLayerAsync(string hostId, string layerId, CancellationToken ct) => CallAsync(DriverOperation.DeleteDiskLayer, hostId, ct, hostId, layerId);

    public Task RegisterVmAsync(string hostId, VmDefinition vm, CancellationToken ct) => CallAsync(DriverOperation.RegisterVm, hostId, ct, hostId, vm);

    public Task UnregisterVmAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.UnregisterVm, hostId, ct, hostId, vmId);

    public Task PowerOnAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.PowerOn, hostId, ct, hostId, vmId);

    public Task PowerOffAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.PowerOff, hostId, ct, hostId, vmId);

    public Task SuspendAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.Suspend, hostId, ct, hostId, vmId);

    public Task ResumeAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.Resume, hostId, ct, hostId, vmId);

    public Task InstallAppAsync(string hostId, string vmId, GuestAppInstall install, CancellationToken ct) =>
        CallAsync(DriverOperation.InstallApp, hostId, ct, hostId, vmId, install);

    /// <summary>To the one agent that serves both hosts, or, between two agents, as the halves each runs (<see cref="MachineCopy"/>).</summary>
    public async Task CloneSuspendedAsync(string sourceHostId, string sourceVmId, string targetHostId, VmDefinition clone, CancellationToken ct)
    {
        var source = await AgentOfAsync(DriverOperation.CloneSuspended, sourceHostId, ct);
        var target = await AgentOfAsync(DriverOperation.CloneSuspended, targetHostId, ct);
        if (source == target) await target.CallAsync(DriverOperation.CloneSuspended, targetHostId, ct, sourceHostId, sourceVmId, targetHostId, clone);
        else await MachineCopy.CopyAsync(new AgentMachineEnd(source, sourceHostId), new AgentMachineEnd(target, targetHostId),
            new CopyPlan(sourceHostId, sourceVmId, targetHostId, clone), ct);
    }

    public Task ForkAsync(string hostId, string parentVmId, VmDefinition child, ForkOptions options, CancellationToken ct) =>
        CallAsync(DriverOperation.Fork, hostId, ct, hostId, parentVmId, child, options);

    public Task CustomizeGuestAsync(string hostId, string vmId, GuestCustomization customization, CancellationToken ct) =>
        CallAsync(DriverOperation.CustomizeGuest, hostId, ct, hostId, vmId, customization);

    public Task SetGuestDataAsync(string hostId, string vmId, GuestData data, CancellationToken ct) =>
        CallAsync(DriverOperation.SetGuestData, hostId, ct, hostId, vmId, data);

    public Task PromoteAsync(string hostId, string vmId, CancellationToken ct) => CallAsync(DriverOperation.Promote, hostId, ct, hostId, vmId);

    public Task CheckpointAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        CallAsync(DriverOperation.Checkpoint, hostId, ct, hostId, vmId, checkpointId);

    public Task RefreshAsync(string hostId, string vmId, string checkpointId, CancellationToken ct) =>
        CallAsync(DriverOperation.Refresh, hostId, ct, hostId, vmId, checkpointId);

    /// <summary>
    /// A migration step: to the one agent that serves both hosts, or, between two agents, as the halves each runs
    /// (<see cref="MachineMigration"/>): the guest then goes straight from the source agent's machine to the target's.
    /// </summary>
    private async Task MigrationCallAsync(DriverOperation operation, MigrationPlan plan, CancellationToken ct,
        Func<IMachineMigration, IMachineMigration, Task> betweenAgents)
    {
        var source = await AgentOfAsync(operation, plan.SourceHostId, ct);
        var target = await AgentOfAsync(operation, plan.TargetHostId, ct);
        if (source == target) await target.CallAsync(operation, plan.TargetHostId, ct, plan);
        else await betweenAgents(new AgentMachineEnd(source, plan.SourceHostId), new AgentMachineEnd(target, plan.TargetHostId));
    }

    public Task PrepareMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        MigrationCallAsync(DriverOperation.PrepareMigration, plan, ct, (source, target) => MachineMigration.PrepareAsync(source, target, plan, ct));

    public Task SwitchOverAsync(MigrationPlan plan, CancellationToken ct) =>
        MigrationCallAsync(DriverOperation.SwitchOver, plan, ct, (source, target) => MachineMigration.SwitchOverAsync(source, target, plan, ct));

    public Task CancelMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        MigrationCallAsync(DriverOperation.CancelMigration, plan, ct, (source, target) => MachineMigration.CancelAsync(source, target, plan, ct));

    /// <summary>Only the source has anything left to remove once the guest runs on the target.</summary>
    public async Task CompleteMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        await (await AgentOfAsync(DriverOperation.CompleteMigration, plan.SourceHostId, ct)).CallAsync(DriverOperation.CompleteMigration, plan.SourceHostId, ct, plan);

    public Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct) =>
        CallAsync<VmStatusReport?>(DriverOperation.GetVm, hostId, ct, hostId, vmId);

    public void Dispose() => Agents.Dispose();
}
