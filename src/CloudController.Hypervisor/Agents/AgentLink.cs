using System.Text.Json;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// A controller's connection to one host agent: driver operations sent as the protocol carries them, the agent's
/// refusals raised as the driver's own, and an agent that does not answer a failed operation on that host (as an
/// unreachable host is).
/// </summary>
public sealed class AgentLink : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly HostAgent.HostAgentClient _client;

    /// <param name="handler">How calls reach the agent (the TLS client certificate and the pinned CA live here); a
    /// plain socket handler when null.</param>
    public AgentLink(Uri endpoint, HttpMessageHandler? handler = null)
    {
        Endpoint = endpoint;
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler ?? new SocketsHttpHandler(), DisposeHttpClient = true });
        _client = new HostAgent.HostAgentClient(_channel);
    }

    public Uri Endpoint { get; }

    public HostAgent.HostAgentClient Client => _client;

    /// <summary>Who answers at the endpoint; an agent of another protocol version is refused here, naming the fix.</summary>
    public async Task<HelloReply> HelloAsync(CancellationToken ct)
    {
        HelloReply reply;
        try
        {
            reply = await _client.HelloAsync(new HelloRequest { ProtocolVersion = AgentProtocol.Version }, cancellationToken: ct);
        }
        catch (RpcException e)
        {
            throw new HypervisorException(DriverOperation.DiscoverHosts, "*", Unanswered(e), e);
        }
        if (reply.ProtocolVersion != AgentProtocol.Version)
        {
            throw new HypervisorException(DriverOperation.DiscoverHosts, "*",
                $"the host agent {reply.AgentName} at {Endpoint} speaks protocol version {reply.ProtocolVersion}, this controller {AgentProtocol.Version}: " +
                (reply.ProtocolVersion < AgentProtocol.Version ? "upgrade cc-hostd on that host." : "upgrade the controller nodes."));
        }
        return reply;
    }

    public async Task<T> CallAsync<T>(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments) =>
        (await CallAsync(operation, hostId, ct, arguments)) is { Length: > 0 } json ? JsonSerializer.Deserialize<T>(json, DriverCall.Json)! : default!;

    /// <summary>The operation's JSON result (empty for none); a refusal is the driver's <see cref="HypervisorException"/>.</summary>
    public async Task<string> CallAsync(DriverOperation operation, string hostId, CancellationToken ct, params object?[] arguments)
    {
        var request = new DriverRequest { ProtocolVersion = AgentProtocol.Version, Operation = $"{operation}Async" };
        request.ArgumentsJson.AddRange(arguments.Select(a => JsonSerializer.Serialize(a, a?.GetType() ?? typeof(object), DriverCall.Json)));
        DriverReply reply;
        try
        {
            reply = await _client.InvokeAsync(request, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            throw new HypervisorException(operation, hostId, Unanswered(e), e);
        }
        if (reply.Refused is { } refused)
            throw new HypervisorException(Enum.Parse<DriverOperation>(refused.Operation), refused.HostId, refused.Reason);
        return reply.ResultJson;
    }

    private string Unanswered(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => $"the host agent at {Endpoint} did not answer: {e.Status.Detail}",
        _ => $"the host agent at {Endpoint} refused the call ({e.StatusCode}): {e.Status.Detail}",
    };

    public void Dispose() => _channel.Dispose();
}
