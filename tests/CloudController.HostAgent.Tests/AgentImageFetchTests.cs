using CloudController.Domain.Catalog;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Images;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Images;

namespace CloudController.HostAgent.Tests;

/// <summary>
/// A model's image reaching a QEMU agent's machine: the node fetched and checked it when the model was added, and the
/// agent lacking it fetches it from the same address with the node's SHA-256, once. Only qemu-img runs: no guest boots.
/// </summary>
public sealed class AgentImageFetchTests : IAsyncLifetime
{
    private readonly RunningAgents _agents = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cc-hi-" + Guid.NewGuid().ToString("N")[..8]);
    private ImageServer _server = null!;
    private byte[] _qcow2 = [];

    private static readonly CancellationToken Ct = CancellationToken.None;

    public Task InitializeAsync()
    {
        _server = ImageServer.Start();
        _qcow2 = ImageServer.Qcow2(Path.Combine(_root, "scratch"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _agents.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(AgentDriver Driver, QemuDriver AgentSide)> StartAsync()
    {
        var (_, server) = await _agents.StartAsync("hv-i", settings:
            ["cloudcontroller.driver.kind=qemu", "cloudcontroller.driver.qemu.accelerator=tcg", $"cloudcontroller.driver.qemu.runtime-directory={Path.Combine(_root, "run")}"]);
        var driver = new AgentDriver(_agents.Directory());
        Assert.Equal(["hv-i"], (await driver.DiscoverHostsAsync(Ct)).Select(h => h.HostId));
        return (driver, (QemuDriver)server.Driver);
    }

    [Fact]
    public async Task The_image_the_node_fetched_is_fetched_by_the_agent_once_and_its_layers_use_it()
    {
        var (driver, agentSide) = await StartAsync();
        using var _ = driver;
        var node = ImageStore.For(driver, Path.Combine(_root, "node"));
        var url = _server.Serve("debian.qcow2", _qcow2);
        await node.ImportAsync("debian-12", new ImageSource(url, new ImageDigest(ImageDigest.Sha512, ImageServer.Sha512(_qcow2))), Ct);
        Assert.Equal(1, _server.Requests);

        await Task.WhenAll(
            driver.EnsureBaseLayerAsync("hv-i", new BaseLayerSpec("base-copy", "debian-12", 1), Ct),
            driver.EnsureBaseLayerAsync("hv-i", new BaseLayerSpec("base-link", "debian-12", 1, Shared: true), Ct));
        await driver.EnsureBaseLayerAsync("hv-i", new BaseLayerSpec("base-flat", "debian-12", 1), Ct);

        // One request by the node, one by the agent, however many layers.
        Assert.Equal(2, _server.Requests);
        Assert.Equal(_qcow2, await File.ReadAllBytesAsync(agentSide.Images.ImageFile("debian-12"), Ct));
        Assert.Equal(new ImageSource(url, new ImageDigest(ImageDigest.Sha256, ImageServer.Sha256(_qcow2))), agentSide.Images.SourceOf("debian-12"));
        foreach (var layer in new[] { "base-copy", "base-link", "base-flat" })
            Assert.True(File.Exists(agentSide.Layer("hv-i", layer)!.File), $"{layer} has no file");
    }

    [Fact]
    public async Task An_image_changed_at_its_address_fails_the_layer_on_the_agent_naming_both_digests()
    {
        var (driver, agentSide) = await StartAsync();
        using var _ = driver;
        var node = ImageStore.For(driver, Path.Combine(_root, "node"));
        var url = _server.Serve("debian.qcow2", _qcow2);
        await node.ImportAsync("debian-12", new ImageSource(url, new ImageDigest(ImageDigest.Sha256, ImageServer.Sha256(_qcow2))), Ct);
        var changed = ImageServer.Qcow2(Path.Combine(_root, "scratch"), "32M");
        _server.Serve("debian.qcow2", changed);

        var refused = await Assert.ThrowsAsync<HypervisorException>(() =>
            driver.EnsureBaseLayerAsync("hv-i", new BaseLayerSpec("base-copy", "debian-12", 1), Ct));

        Assert.Equal((DriverOperation.EnsureBaseLayer, "hv-i"), (refused.Operation, refused.HostId));
        Assert.Contains(ImageServer.Sha256(_qcow2), refused.Message);
        Assert.Contains(ImageServer.Sha256(changed), refused.Message);
        Assert.Null(agentSide.Layer("hv-i", "base-copy"));
        Assert.False(File.Exists(agentSide.Images.ImageFile("debian-12")));
        Assert.Empty(Directory.Exists(agentSide.Images.Directory) ? Directory.GetFiles(agentSide.Images.Directory, "*.part*") : []);
    }

    [Fact]
    public async Task The_host_serves_other_operations_while_an_image_is_downloading()
    {
        var (driver, agentSide) = await StartAsync();
        using var _ = driver;
        var url = _server.Serve("debian.qcow2", _qcow2);
        var release = _server.Hold("debian.qcow2");
        var source = new ImageSource(url, new ImageDigest(ImageDigest.Sha256, ImageServer.Sha256(_qcow2)));

        var slow = driver.EnsureBaseLayerAsync("hv-i", new BaseLayerSpec("base-copy", "debian-12", 1, Source: source), Ct);
        await Until(() => _server.Requests == 1 || slow.IsCompleted);
        // Deleting a layer takes the host's turn as every layer operation does.
        await driver.DeleteDiskLayerAsync("hv-i", "no-such-layer", Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.False(slow.IsCompleted, "the download ended before the other operations ran");
        Assert.Null(agentSide.Layer("hv-i", "base-copy"));
        release();
        await slow.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(File.Exists(agentSide.Layer("hv-i", "base-copy")!.File));
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(50))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "the image was never asked for");
            await Task.Delay(50);
        }
    }
}
