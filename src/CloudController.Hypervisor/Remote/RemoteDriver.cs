using System.Net.Http.Json;
using System.Text.Json;
using CloudController.Domain.Fleet;

namespace CloudController.Hypervisor.Remote;

/// <summary>
/// A driver that forwards every operation to a fleet another process serves over HTTP: several nodes on one machine
/// then drive the same (simulated) hosts, as the nodes of a real cluster reach the same real hosts. A fleet that does
/// not answer is a failed operation on that host, as an unreachable host is.
/// </summary>
public sealed class RemoteDriver : IHypervisorDriver, IDisposable
{
    private readonly HttpClient _http;
    private readonly DriverCall.Description _description;

    private RemoteDriver(HttpClient http, DriverCall.Description description)
    {
        _http = http;
        _description = description;
    }

    /// <summary>Connects to the fleet at <paramref name="endpoint"/>, waiting for it to answer up to <paramref name="wait"/>.</summary>
    public static RemoteDriver Connect(Uri endpoint, TimeSpan wait)
    {
        var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var description = http.GetFromJsonAsync<DriverCall.Description>("driver", DriverCall.Json).GetAwaiter().GetResult()!;
                return new RemoteDriver(http, description);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
            catch (HttpRequestException e)
            {
                http.Dispose();
                throw new ArgumentException($"cloudcontroller.driver.remote.endpoint: the fleet at {endpoint} did not answer ({e.Message}).");
            }
        }
    }

    public string Name => $"{_description.Name} at {_http.BaseAddress}";

    public DriverCapabilities Capabilities => _description.Capabilities;

    private async Task<JsonElement?> CallAsync(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync($"driver/{operation}Async", arguments, DriverCall.Json, ct);
        }
        catch (HttpRequestException e)
        {
            throw new HypervisorException(operation, hostId, $"the fleet at {_http.BaseAddress} did not answer: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                var refusal = (await response.Content.ReadFromJsonAsync<DriverCall.Refusal>(DriverCall.Json, ct))!;
                throw new HypervisorException(refusal.Operation, refusal.HostId, refusal.Reason);
            }
            if (!response.IsSuccessStatusCode)
                throw new HypervisorException(operation, hostId, $"the fleet answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            return response.StatusCode == System.Net.HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<JsonElement>(DriverCall.Json, ct);
        }
    }

    private async Task<T> CallAsync<T>(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments) =>
        (await CallAsync(operation, hostId, ct, arguments)) is { } result ? result.Deserialize<T>(DriverCall.Json)! : default!;

    public Task<IReadOnlyList<HostInventory>> DiscoverHostsAsync(CancellationToken ct) =>
        CallAsync<IReadOnlyList<HostInventory>>(DriverOperation.DiscoverHosts, "*", ct);

    public Task<HostStatusReport> QueryHostStatusAsync(string hostId, CancellationToken ct) =>
        CallAsync<HostStatusReport>(DriverOperation.QueryHostStatus, hostId, ct, hostId);

    public Task EnsureBaseLayerAsync(string hostId, BaseLayerSpec spec, CancellationToken ct) => CallAsync(DriverOperation.EnsureBaseLayer, hostId, ct, hostId, spec);

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

    public Task CloneSuspendedAsync(string sourceHostId, string sourceVmId, string targetHostId, VmDefinition clone, CancellationToken ct) =>
        CallAsync(DriverOperation.CloneSuspended, targetHostId, ct, sourceHostId, sourceVmId, targetHostId, clone);

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

    public Task PrepareMigrationAsync(MigrationPlan plan, CancellationToken ct) => CallAsync(DriverOperation.PrepareMigration, plan.TargetHostId, ct, plan);

    public Task SwitchOverAsync(MigrationPlan plan, CancellationToken ct) => CallAsync(DriverOperation.SwitchOver, plan.TargetHostId, ct, plan);

    public Task CancelMigrationAsync(MigrationPlan plan, CancellationToken ct) => CallAsync(DriverOperation.CancelMigration, plan.TargetHostId, ct, plan);

    public Task CompleteMigrationAsync(MigrationPlan plan, CancellationToken ct) => CallAsync(DriverOperation.CompleteMigration, plan.SourceHostId, ct, plan);

    public Task<VmStatusReport?> GetVmAsync(string hostId, string vmId, CancellationToken ct) =>
        CallAsync<VmStatusReport?>(DriverOperation.GetVm, hostId, ct, hostId, vmId);

    public void Dispose() => _http.Dispose();
}
