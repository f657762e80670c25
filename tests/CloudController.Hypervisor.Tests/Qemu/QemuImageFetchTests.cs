using CloudController.Domain.Catalog;
using CloudController.Domain;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Images;

namespace CloudController.Hypervisor.Tests.Qemu;

/// <summary>
/// A host lacking a model's base image fetches it from the address the model names, checked against its digest,
/// once however many layers wait for it. Only qemu-img runs: no guest boots.
/// </summary>
public sealed class QemuImageFetchTests : IAsyncLifetime
{
    private const string HostA = "fetch-a";
    private const string HostB = "fetch-b";
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cc-fetch-{Guid.NewGuid():N}");
    private ImageServer _server = null!;
    private byte[] _qcow2 = [];
    private QemuDriver _driver = null!;

    private string Images => Path.Combine(_root, "images");

    private static readonly CancellationToken Ct = CancellationToken.None;

    public Task InitializeAsync()
    {
        _server = ImageServer.Start();
        _qcow2 = ImageServer.Qcow2(Path.Combine(_root, "scratch"));
        _driver = new QemuDriver(new QemuDriverOptions(_root, Images,
            [new QemuHostOptions(HostA, new Resources(2, 4096, 100)), new QemuHostOptions(HostB, new Resources(2, 4096, 100))],
            RuntimeDirectory: Path.Combine(_root, "run"), Accelerator: "tcg"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private ImageSource Served(string sha256) => new(_server.Serve("debian.qcow2", _qcow2), new ImageDigest(ImageDigest.Sha256, sha256));

    [Fact]
    public async Task Layers_waiting_for_a_missing_image_share_one_checked_download()
    {
        var source = Served(ImageServer.Sha256(_qcow2));

        await Task.WhenAll(
            _driver.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-copy", "debian-12", 1, Source: source), Ct),
            _driver.EnsureBaseLayerAsync(HostB, new BaseLayerSpec("base-link", "debian-12", 1, Shared: true, Source: source), Ct),
            _driver.EnsureBaseLayerAsync(HostB, new BaseLayerSpec("base-flat", "debian-12", 1, Source: source), Ct));
        await _driver.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-again", "debian-12", 1, Source: source), Ct);

        Assert.Equal(1, _server.Requests);
        Assert.Equal(_qcow2, await File.ReadAllBytesAsync(_driver.Images.ImageFile("debian-12"), Ct));
        Assert.Equal(source, _driver.Images.SourceOf("debian-12"));
        foreach (var (host, layer) in new[] { (HostA, "base-copy"), (HostB, "base-link"), (HostB, "base-flat"), (HostA, "base-again") })
            Assert.True(File.Exists(_driver.Layer(host, layer)!.File), $"{layer} on {host} has no file");
    }

    [Fact]
    public async Task A_wrong_digest_fails_the_layer_naming_both_digests_and_keeps_nothing()
    {
        var given = new string('0', 64);

        var refused = await Assert.ThrowsAsync<HypervisorException>(() =>
            _driver.EnsureBaseLayerAsync(HostA, new BaseLayerSpec("base-copy", "debian-12", 1, Source: Served(given)), Ct));

        Assert.Equal(DriverOperation.EnsureBaseLayer, refused.Operation);
        Assert.Contains(given, refused.Reason);
        Assert.Contains(ImageServer.Sha256(_qcow2), refused.Reason);
        Assert.Null(_driver.Layer(HostA, "base-copy"));
        Assert.Empty(Directory.Exists(Images) ? Directory.GetFiles(Images) : []);
    }
}
