using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// A controller's connection to one host agent, over TLS with the node's client certificate, trusting only the
/// certificate the host CA issued for this agent's name: driver operations sent as the protocol carries them, the
/// agent's refusals raised as the driver's own, and an agent that does not answer (or is not trusted) a failed
/// operation on that host (as an unreachable host is).
/// </summary>
public sealed class AgentLink : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly HostAgent.HostAgentClient _client;
    private volatile string? _trustProblem;

    public AgentLink(string name, Uri endpoint, X509Certificate2 clientCertificate, HostTrust trust)
    {
        Name = name;
        Endpoint = endpoint;
        ClientCertificate = clientCertificate;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    var agent = certificate is null ? null : certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    _trustProblem = trust.Problem(agent, HostCertificateRole.Agent, name);
                    return _trustProblem is null;
                },
            },
        };
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _client = new HostAgent.HostAgentClient(_channel);
    }

    /// <summary>The name the agent joined under, which its certificate must carry.</summary>
    public string Name { get; }

    public Uri Endpoint { get; }

    public X509Certificate2 ClientCertificate { get; }

    /// <summary>The agent's answer to the last hello; null until it answered one.</summary>
    public HelloReply? Hello { get; private set; }

    public HostAgent.HostAgentClient Client => _client;

    /// <summary>Who answers at the endpoint; an agent of another protocol version is refused here, naming the fix.</summary>
    public async Task<HelloReply> HelloAsync(CancellationToken ct)
    {
        HelloReply reply;
        _trustProblem = null;
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
        Hello = reply;
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
        // A handshake in this call says anew whether the agent is trusted; a past refusal must not name this failure.
        _trustProblem = null;
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

    private string Unanswered(RpcException e) =>
        _trustProblem is { } problem ? $"the host agent {Name} at {Endpoint} is not trusted: {problem}"
        : IsSilence(e) ? $"the host agent at {Endpoint} did not answer: {e.Status.Detail}"
        : $"the host agent at {Endpoint} refused the call ({e.StatusCode}): {e.Status.Detail}";

    /// <summary>
    /// Whether a failed call is the agent not answering rather than refusing: a connection that could not be made or
    /// was closed mid-call (the agent stopping, the network dropping it) ends with Unavailable, Cancelled by the far
    /// side, or Internal over a transport error, depending on when it broke; an agent that answers refuses with a
    /// status of its own.
    /// </summary>
    public static bool IsSilence(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
        || e.Status.DebugException is IOException or HttpRequestException;

    public void Dispose() => _channel.Dispose();
}
