using System.Security.Cryptography.X509Certificates;
using CloudController.Api.Autoscaling;
using CloudController.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using static CloudController.Api.Autoscaling.InstanceStatus.Types;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A node driven the way Kubernetes Cluster Autoscaler drives its external gRPC cloud provider: over mutual TLS on
/// the autoscaler listener, scaling pools that opted in up, down by named nodes, and refused past their bounds.
/// </summary>
public sealed class ClusterAutoscalerEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-ca-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Autoscaled(RunningNode Node, CloudProvider.CloudProviderClient Provider, Uri Endpoint, TestCertificates Authority) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            Authority.Dispose();
        }
    }

    private async Task<Autoscaled> StartAsync()
    {
        var authority = new TestCertificates(_dir);
        var (certificate, key) = authority.IssueServer();
        var endpoint = new Uri($"https://127.0.0.1:{FreePort.Next()}");
        var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.pools.reconcile-interval=200ms",
            $"cloudcontroller.autoscaler.endpoint={endpoint}", $"cloudcontroller.autoscaler.tls.certificate={certificate}",
            $"cloudcontroller.autoscaler.tls.key={key}", $"cloudcontroller.autoscaler.tls.client-ca={authority.AuthorityFile}");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(2);
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "node-tpl", Model = "ubuntu" });
        return new Autoscaled(node, Provider(endpoint, authority, authority.IssueClient("cluster-autoscaler")), endpoint, authority);
    }

    /// <summary>A client as Cluster Autoscaler's cloud-config sets it up: its certificate and key, and the CA to trust.</summary>
    private static CloudProvider.CloudProviderClient Provider(Uri endpoint, TestCertificates trusted, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trusted.Authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is X509Certificate2 presented && chain.Build(presented);
        };
        if (clientCertificate is not null) handler.SslOptions.ClientCertificates = [clientCertificate];
        return new CloudProvider.CloudProviderClient(GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler }));
    }

    private static CreatePoolRequest Pool(string name, int desired, int min, int max, string range) => new()
    {
        Name = name, Template = "node-tpl", NamePattern = name + "-{n}", IpRange = range, Desired = desired,
        Autoscaling = new Autoscaling { Min = min, Max = max },
    };

    private static async Task<IReadOnlyList<Instance>> InstancesAsync(CloudProvider.CloudProviderClient provider, string group) =>
        (await provider.NodeGroupNodesAsync(new NodeGroupNodesRequest { Id = group })).Instances;

    private static Task<IReadOnlyList<Instance>> RunningAsync(CloudProvider.CloudProviderClient provider, string group, int count) =>
        Eventually.Get(async () =>
        {
            var instances = await InstancesAsync(provider, group);
            return instances.Count == count && instances.All(i => i.Status.InstanceState == InstanceState.InstanceRunning) ? instances : null;
        }, $"{count} running nodes in group {group}", TimeSpan.FromSeconds(30));

    private static ExternalGrpcNode Node(string providerId) => new() { ProviderID = providerId, Name = providerId.Split('/').Last() };

    [Fact]
    public async Task Cluster_autoscaler_scales_a_pool_up_down_by_named_nodes_and_is_refused_past_its_bounds()
    {
        await using var a = await StartAsync();
        var (node, provider) = (a.Node, a.Provider);
        await node.Pools.CreatePoolAsync(Pool("workers", desired: 2, min: 1, max: 5, "10.0.0.0/24"));
        await node.Pools.CreatePoolAsync(Pool("batch", desired: 0, min: 0, max: 3, "10.0.1.0/24"));
        await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "static", Template = "node-tpl", NamePattern = "static-{n}", IpRange = "10.0.2.0/24", Desired = 1 });

        // A control loop: refresh, list the groups, their sizes and nodes.
        await provider.RefreshAsync(new RefreshRequest());
        // The pools' directory follows the journal a moment behind their creation.
        var groups = await Eventually.Get(async () =>
        {
            var listed = (await provider.NodeGroupsAsync(new NodeGroupsRequest())).NodeGroups;
            return listed.Count == 2 ? listed : null;
        }, "both autoscaled pools listed as node groups");
        Assert.Equal(["batch", "workers"], groups.Select(g => g.Id).Order());
        Assert.Equal((1, 5), groups.Where(g => g.Id == "workers").Select(g => (g.MinSize, g.MaxSize)).Single());
        Assert.Equal(2, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "workers" })).TargetSize);
        var first = await RunningAsync(provider, "workers", 2);
        Assert.All(first, i => Assert.StartsWith("cloudcontroller://workers/workers-", i.Id));
        Assert.Equal("workers", (await provider.NodeGroupForNodeAsync(new NodeGroupForNodeRequest { Node = Node(first[0].Id) })).NodeGroup.Id);
        Assert.Equal("", (await provider.NodeGroupForNodeAsync(new NodeGroupForNodeRequest { Node = Node("aws:///us-east-1a/i-0abc") })).NodeGroup.Id);
        var staticChild = (await Eventually.Get(async () =>
            (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "static", WithChildren = true })).Children.FirstOrDefault(), "a child of the static pool"));
        Assert.Equal("", (await provider.NodeGroupForNodeAsync(new NodeGroupForNodeRequest { Node = Node($"cloudcontroller://static/{staticChild.Id}") })).NodeGroup.Id);

        // Scale up: the new target is journaled when the call returns; the children follow.
        await provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "workers", Delta = 3 });
        Assert.Equal(5, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "workers" })).TargetSize);
        var five = await RunningAsync(provider, "workers", 5);

        // Past max: refused, naming the max; nothing changes.
        var pastMax = await Assert.ThrowsAsync<RpcException>(() => provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "workers", Delta = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, pastMax.StatusCode);
        Assert.Contains("past its max of 5", pastMax.Status.Detail);
        Assert.Equal(5, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "workers" })).TargetSize);

        // Scale down by name: those children go, not the newest, and none is replaced.
        var doomed = five.OrderBy(i => i.Id, StringComparer.Ordinal).Take(2).Select(i => i.Id).ToList();
        await provider.NodeGroupDeleteNodesAsync(new NodeGroupDeleteNodesRequest { Id = "workers", Nodes = { doomed.Select(Node) } });
        Assert.Equal(3, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "workers" })).TargetSize);
        var three = await RunningAsync(provider, "workers", 3);
        Assert.Equal(five.Select(i => i.Id).Except(doomed).Order(), three.Select(i => i.Id).Order());

        // Decreasing the target is only for requests not yet fulfilled: every one of the three exists.
        var decrease = await Assert.ThrowsAsync<RpcException>(() =>
            provider.NodeGroupDecreaseTargetSizeAsync(new NodeGroupDecreaseTargetSizeRequest { Id = "workers", Delta = -1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, decrease.StatusCode);
        Assert.Contains("delete those by name", decrease.Status.Detail);

        // Below min: removing all three of a group whose min is 1 is refused whole.
        var belowMin = await Assert.ThrowsAsync<RpcException>(() =>
            provider.NodeGroupDeleteNodesAsync(new NodeGroupDeleteNodesRequest { Id = "workers", Nodes = { three.Select(i => Node(i.Id)) } }).ResponseAsync);
        Assert.Contains("below its min of 1", belowMin.Status.Detail);
        Assert.Equal(three.Select(i => i.Id).Order(), (await RunningAsync(provider, "workers", 3)).Select(i => i.Id).Order());

        // The optional calls answer as the protocol allows.
        var pricing = await Assert.ThrowsAsync<RpcException>(() => provider.PricingNodePriceAsync(new PricingNodePriceRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, pricing.StatusCode);
        var defaults = new NodeGroupAutoscalingOptions { ScaleDownUtilizationThreshold = 0.5 };
        var options = await provider.NodeGroupGetOptionsAsync(new NodeGroupAutoscalingOptionsRequest { Id = "workers", Defaults = defaults });
        Assert.Equal(defaults, options.NodeGroupAutoscalingOptions);
        Assert.Empty((await provider.GetAvailableGPUTypesAsync(new GetAvailableGPUTypesRequest())).GpuTypes);
    }

    [Fact]
    public async Task Bad_requests_are_refused_naming_the_field_and_the_fix_and_change_nothing()
    {
        await using var a = await StartAsync();
        var (node, provider) = (a.Node, a.Provider);
        await node.Pools.CreatePoolAsync(Pool("workers", desired: 2, min: 1, max: 4, "10.0.0.0/24"));
        await node.Pools.CreatePoolAsync(Pool("batch", desired: 1, min: 0, max: 3, "10.0.1.0/24"));
        var workers = await RunningAsync(provider, "workers", 2);
        var batch = await RunningAsync(provider, "batch", 1);

        async Task Refused(StatusCode code, string expected, Func<Task> call)
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(code, refusal.StatusCode);
            Assert.Contains(expected, refusal.Status.Detail);
        }

        await Refused(StatusCode.NotFound, "id: no node group 'nope'", () => provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "nope" }).ResponseAsync);
        await Refused(StatusCode.NotFound, "ccm pool set", () => provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "nope", Delta = 1 }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "delta", () => provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "workers", Delta = 0 }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "delta", () => provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "workers", Delta = -2 }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "delta", () => provider.NodeGroupDecreaseTargetSizeAsync(new NodeGroupDecreaseTargetSizeRequest { Id = "workers", Delta = 1 }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "nodes[0].providerID: cloudcontroller://batch/", () => provider.NodeGroupDeleteNodesAsync(
            new NodeGroupDeleteNodesRequest { Id = "workers", Nodes = { Node(batch[0].Id) } }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "nodes[1].providerID: 'gce://p/z/vm-1' is not a CloudController node", () => provider.NodeGroupDeleteNodesAsync(
            new NodeGroupDeleteNodesRequest { Id = "workers", Nodes = { Node(workers[0].Id), Node("gce://p/z/vm-1") } }).ResponseAsync);
        await Refused(StatusCode.FailedPrecondition, "workers-99 is not a child of pool workers", () => provider.NodeGroupDeleteNodesAsync(
            new NodeGroupDeleteNodesRequest { Id = "workers", Nodes = { Node("cloudcontroller://workers/workers-99") } }).ResponseAsync);

        Assert.Equal(2, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "workers" })).TargetSize);
        Assert.Equal(workers.Select(i => i.Id).Order(), (await RunningAsync(provider, "workers", 2)).Select(i => i.Id).Order());
        Assert.Equal(batch.Select(i => i.Id), (await RunningAsync(provider, "batch", 1)).Select(i => i.Id));
    }

    [Fact]
    public async Task A_pool_that_cannot_fork_shows_its_shortfall_as_failed_nodes_that_the_autoscaler_takes_back()
    {
        await using var a = await StartAsync();
        var (node, provider) = (a.Node, a.Provider);
        await node.Pools.CreatePoolAsync(Pool("huge", desired: 0, min: 0, max: 5_000, "10.2.0.0/16"));
        // Far past what two simulated hosts hold, whatever the over-commit.
        await provider.NodeGroupIncreaseSizeAsync(new NodeGroupIncreaseSizeRequest { Id = "huge", Delta = 4_000 });
        var instances = await Eventually.Get(async () =>
        {
            var all = await InstancesAsync(provider, "huge");
            return all.Any(i => i.Status.ErrorInfo?.ErrorCode == "no-capacity") && all.All(i => i.Status.InstanceState != InstanceState.InstanceCreating || i.Status.ErrorInfo is not null)
                ? all
                : null;
        }, "the unfulfilled nodes of a pool short of room", TimeSpan.FromSeconds(60));
        var unfulfilled = instances.Where(i => i.Status.ErrorInfo?.ErrorCode == "no-capacity").ToList();
        var running = instances.Count(i => i.Status.InstanceState == InstanceState.InstanceRunning);
        Assert.Equal(4_000, unfulfilled.Count + running);
        Assert.All(unfulfilled, i =>
        {
            Assert.Equal(1, i.Status.ErrorInfo.InstanceErrorClass); // out of resources: the autoscaler backs off this group
            Assert.Contains("no host has room", i.Status.ErrorInfo.ErrorMessage);
        });

        // As the autoscaler cleans up failed nodes: deleting the stand-ins takes the requests back, removing no child.
        await provider.NodeGroupDeleteNodesAsync(new NodeGroupDeleteNodesRequest { Id = "huge", Nodes = { unfulfilled.Select(i => Node(i.Id)) } });
        Assert.Equal(running, (await provider.NodeGroupTargetSizeAsync(new NodeGroupTargetSizeRequest { Id = "huge" })).TargetSize);
        Assert.Equal(running, (await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "huge" })).Ready);
    }

    [Fact]
    public async Task Only_a_client_certificate_from_the_configured_ca_is_answered_and_only_on_the_autoscaler_listener()
    {
        await using var a = await StartAsync();
        using var stranger = new TestCertificates(_dir, "Stranger CA");
        var fromOtherCa = Provider(a.Endpoint, a.Authority, stranger.IssueClient("impostor"));
        var withoutCertificate = Provider(a.Endpoint, a.Authority, null);
        foreach (var refused in new[] { fromOtherCa, withoutCertificate })
        {
            var failure = await Assert.ThrowsAsync<RpcException>(() => refused.NodeGroupsAsync(new NodeGroupsRequest()).ResponseAsync);
            // Refused by the TLS handshake, never by the service. Under TLS 1.3 the server rejects the client's
            // certificate after the client has sent its request, so the client sees either a failed connection
            // (Unavailable) or a stream cut mid-call (Internal), depending on timing.
            Assert.Contains(failure.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        }
        Assert.NotNull(await a.Provider.NodeGroupsAsync(new NodeGroupsRequest()));

        // The main gRPC endpoint does not answer for the provider: it has no client certificate to check.
        var onMainEndpoint = new CloudProvider.CloudProviderClient(GrpcChannel.ForAddress(a.Node.Node.Endpoint));
        var denied = await Assert.ThrowsAsync<RpcException>(() => onMainEndpoint.NodeGroupsAsync(new NodeGroupsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}
