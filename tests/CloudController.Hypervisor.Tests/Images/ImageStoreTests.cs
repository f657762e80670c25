using CloudController.Domain.Catalog;
using CloudController.Hypervisor.Images;

namespace CloudController.Hypervisor.Tests.Images;

/// <summary>The node's image store fetching images from a loopback HTTP server, checked with the real qemu-img.</summary>
public sealed class ImageStoreTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cc-images-{Guid.NewGuid():N}");
    private ImageServer _server = null!;
    private byte[] _qcow2 = [];

    private string Store => Path.Combine(_root, "images");

    private static readonly CancellationToken Ct = CancellationToken.None;

    public Task InitializeAsync()
    {
        _server = ImageServer.Start();
        _qcow2 = ImageServer.Qcow2(Path.Combine(_root, "scratch"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static ImageSource Source(string url, string sha256) => new(url, new ImageDigest(ImageDigest.Sha256, sha256));

    [Fact]
    public async Task The_image_with_the_digest_given_is_fetched_checked_and_moved_in_once()
    {
        var store = new ImageStore(Store);
        var source = Source(_server.Serve("debian.qcow2", _qcow2), ImageServer.Sha256(_qcow2));

        Assert.True(await store.ImportAsync("debian-12", source, Ct));

        Assert.Equal(["debian-12.digests", "debian-12.qcow2"], Directory.GetFiles(Store).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Equal(_qcow2, await File.ReadAllBytesAsync(store.ImageFile("debian-12"), Ct));
        ImageServer.QemuImg("check", store.ImageFile("debian-12"));
        Assert.Contains(source.Digest, store.RecordedDigests("debian-12"));
        Assert.Contains(new ImageDigest(ImageDigest.Sha512, ImageServer.Sha512(_qcow2)), store.RecordedDigests("debian-12"));

        // Asked again, with either of its digests: the store has it and fetches nothing.
        Assert.False(await store.ImportAsync("debian-12", source, Ct));
        Assert.False(await store.ImportAsync("debian-12", source with { Digest = new ImageDigest(ImageDigest.Sha512, ImageServer.Sha512(_qcow2)) }, Ct));
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task A_wrong_digest_is_refused_naming_both_and_leaves_nothing_behind()
    {
        var store = new ImageStore(Store);
        var given = new string('0', 64);

        var refused = await Assert.ThrowsAsync<ImageImportException>(() =>
            store.ImportAsync("debian-12", Source(_server.Serve("debian.qcow2", _qcow2), given), Ct));

        Assert.Equal("image_sha256", refused.Error.Field);
        Assert.Contains(ImageServer.Sha256(_qcow2), refused.Error.Problem);
        Assert.Contains(given, refused.Error.Problem);
        Assert.Empty(Directory.GetFiles(Store));
    }

    [Fact]
    public async Task A_raw_image_enters_the_store_as_qcow2()
    {
        var raw = new byte[1 << 20];
        var store = new ImageStore(Store);

        await store.ImportAsync("blank", Source(_server.Serve("blank.raw", raw), ImageServer.Sha256(raw)), Ct);

        Assert.Contains("\"format\": \"qcow2\"", ImageServer.QemuImg("info", "--output=json", store.ImageFile("blank")));
        Assert.Equal(["blank.digests", "blank.qcow2"], Directory.GetFiles(Store).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Fact]
    public async Task What_is_not_a_disk_image_is_refused_naming_image_url()
    {
        var page = "<html>Not Found</html>"u8.ToArray();
        var store = new ImageStore(Store);

        var refused = await Assert.ThrowsAsync<ImageImportException>(() =>
            store.ImportAsync("page", Source(_server.Serve("page.html", page), ImageServer.Sha256(page)), Ct));

        Assert.Equal("image_url", refused.Error.Field);
        Assert.Contains("not a qcow2 or raw disk image", refused.Error.Problem);
        Assert.Empty(Directory.GetFiles(Store));
    }

    [Fact]
    public async Task An_address_that_cannot_be_fetched_is_refused_naming_image_url()
    {
        var store = new ImageStore(Store);

        var missing = await Assert.ThrowsAsync<ImageImportException>(() =>
            store.ImportAsync("gone", Source($"http://127.0.0.1:{_server.Port}/gone.qcow2", new string('a', 64)), Ct));
        await _server.DisposeAsync();
        var closed = await Assert.ThrowsAsync<ImageImportException>(() =>
            store.ImportAsync("gone", Source($"http://127.0.0.1:{_server.Port}/gone.qcow2", new string('a', 64)), Ct));
        _server = ImageServer.Start();

        Assert.Equal("image_url", missing.Error.Field);
        Assert.Contains("the server answered 404", missing.Error.Problem);
        Assert.Equal("image_url", closed.Error.Field);
        Assert.Contains("could not be fetched by this node", closed.Error.Problem);
        Assert.Contains("reaches it", closed.Error.Fix);
        Assert.Empty(Directory.GetFiles(Store));
    }

    [Fact]
    public async Task A_name_holding_another_image_is_never_replaced()
    {
        Directory.CreateDirectory(Store);
        await File.WriteAllBytesAsync(Path.Combine(Store, "debian-12.qcow2"), _qcow2, Ct);
        var store = new ImageStore(Store);

        var refused = await Assert.ThrowsAsync<ImageImportException>(() =>
            store.ImportAsync("debian-12", Source(_server.Serve("debian.qcow2", _qcow2), ImageServer.Sha256(_qcow2)), Ct));

        Assert.Equal("disk_image", refused.Error.Field);
        Assert.Contains("put there by hand", refused.Error.Problem);
        Assert.Equal(0, _server.Requests);
    }
}
