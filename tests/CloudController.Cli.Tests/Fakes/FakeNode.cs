using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudController.Cli.Tests.Fakes;

/// <summary>
/// A node that speaks the real contract over plain HTTP/2 (h2c) on a free loopback port, so ccm is tested through
/// the same channel, serialization and status trailers it uses against a real node.
/// </summary>
public sealed class FakeNode : IAsyncLifetime
{
    private WebApplication? _app;
    private GrpcChannel? _channel;
    private Uri? _endpoint;

    public FakeFleet Fleet { get; } = new();

    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException("The fake node has not started.");

    /// <summary>A channel to the node, for tests that hand ccm its call invoker.</summary>
    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The fake node has not started.");

    public async Task InitializeAsync()
    {
        Fleet.Reset();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Fleet);
        _app = builder.Build();
        _app.MapGrpcService<FakeHosts>();
        _app.MapGrpcService<FakeCatalog>();
        _app.MapGrpcService<FakeProvisioning>();
        _app.MapGrpcService<FakeVms>();
        _app.MapGrpcService<FakeAdvisor>();
        _app.MapGrpcService<FakeUsage>();
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        _endpoint = new Uri(addresses.Addresses.Single());
        _channel = GrpcChannel.ForAddress(_endpoint);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FakeNodeCollection : ICollectionFixture<FakeNode>
{
    public const string Name = "fake node";
}
