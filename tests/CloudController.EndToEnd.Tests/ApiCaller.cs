using CloudController.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudController.EndToEnd.Tests;

/// <summary>A node's API as one user sees it: every call carries that user's token (none: an anonymous caller).</summary>
public sealed class ApiCaller(RunningNode node, string? token) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(node.Node.Endpoint);

    public CallInvoker Invoker => token is null ? _channel.CreateCallInvoker() : _channel.CreateCallInvoker().WithToken(token);

    public Hosts.HostsClient Hosts => new(Invoker);
    public Catalog.CatalogClient Catalog => new(Invoker);
    public Provisioning.ProvisioningClient Provisioning => new(Invoker);
    public Vms.VmsClient Vms => new(Invoker);
    public Access.AccessClient Access => new(Invoker);
    public Pools.PoolsClient Pools => new(Invoker);
    public Usage.UsageClient Usage => new(Invoker);
    public Storage.StorageClient Storage => new(Invoker);
    public KeyPool.KeyPoolClient KeyPool => new(Invoker);
    public Activation.ActivationClient Activation => new(Invoker);
    public Audit.AuditClient Audit => new(Invoker);

    public void Dispose() => _channel.Dispose();

    /// <summary>The first administrator's token, once the node has written it to its secrets directory.</summary>
    public static Task<string> AdminTokenAsync(RunningNode node) => Eventually.Get(() => Task.FromResult(
        File.Exists(Path.Combine(node.DataDir, "secrets", "admin.token")) ? File.ReadAllText(Path.Combine(node.DataDir, "secrets", "admin.token")).Trim() : null),
        "the first administrator's token");

    /// <summary>Adds a user once the bootstrap administrator is accepted (the first call may race its bootstrap).</summary>
    public static async Task<string> AddUserAsync(ApiCaller admin, string name, Role role) => (await Eventually.Get(async () =>
    {
        try { return await admin.Access.AddUserAsync(new AddUserRequest { Name = name, Role = role }); }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { return null; }
    }, "the administrator accepted")).Token;
}
