using Grpc.Core;

namespace CloudController.Api.Tests;

/// <summary>The server side of one call as a service or interceptor sees it: its method, headers and user state.</summary>
public sealed class TestCallContext(string method, string? token = null) : ServerCallContext
{
    private readonly Metadata _headers = token is null ? [] : [new Metadata.Entry("authorization", $"Bearer {token}")];
    private readonly Dictionary<object, object> _userState = [];

    protected override string MethodCore => method;
    protected override string HostCore => "localhost";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore => _headers;
    protected override CancellationToken CancellationTokenCore => CancellationToken.None;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, []);
    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
