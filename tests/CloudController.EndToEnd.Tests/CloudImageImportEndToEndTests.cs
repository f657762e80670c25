using CloudController.Cli;
using CloudController.Hypervisor.Tests.Images;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// `ccm model add --image-url URL --sha256 HEX` on the embedded default: the node fetches the image from a loopback
/// HTTP server into its image store (DATA-DIR/images, where the QEMU driver would look), checks it, and only then
/// registers the model.
/// </summary>
public sealed class CloudImageImportEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"cc-image-import-{Guid.NewGuid():N}");
    private ImageServer _server = null!;
    private byte[] _qcow2 = [];

    public Task InitializeAsync()
    {
        _server = ImageServer.Start();
        _qcow2 = ImageServer.Qcow2(_scratch);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private static async Task<(int Exit, string Out, string Err)> Ccm(RunningNode node, params string[] args)
    {
        var console = new TestConsole().Width(400);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    private static string[] AddDebian(params string[] image) =>
        ["model", "add", "debian", "--os", "debian-12", "--cpu", "1", "--memory", "1024", "--disk", "4",
         "--min-cpu", "1", "--min-memory", "512", "--min-disk", "2", "--image", "debian-12", .. image];

    private static string[] StoreFiles(RunningNode node) =>
        Directory.Exists(Path.Combine(node.DataDir, "images")) ? Directory.GetFiles(Path.Combine(node.DataDir, "images")) : [];

    [Fact]
    public async Task A_model_names_a_fetched_image_by_its_address_and_digest()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var url = _server.Serve("debian-12-genericcloud-amd64.qcow2", _qcow2);
        var sha256 = ImageServer.Sha256(_qcow2);

        var added = await Ccm(node, AddDebian("--image-url", url, "--sha256", sha256));

        Assert.True(added.Exit == 0, added.Err);
        var stored = Path.Combine(node.DataDir, "images", "debian-12.qcow2");
        ImageServer.QemuImg("check", stored);
        Assert.Equal(_qcow2, await File.ReadAllBytesAsync(stored));
        var shown = await Ccm(node, "model", "show", "debian");
        Assert.Matches($@"image source\s+{System.Text.RegularExpressions.Regex.Escape(url)}", shown.Out);
        Assert.Matches($@"image digest\s+sha256:{sha256}", shown.Out);

        // The same command again (a script re-run, another node's turn): the same model, nothing fetched twice.
        var again = await Ccm(node, AddDebian("--image-url", url, "--sha256", sha256));
        Assert.True(again.Exit == 0, again.Err);
        Assert.Equal(1, _server.Requests);

        await node.WaitForHostsAsync(1);
        var provisioned = await Ccm(node, "vm", "provision", "--model", "debian", "--hostname", "web-01", "--wait");
        Assert.True(provisioned.Exit == 0, provisioned.Err);
    }

    [Fact]
    public async Task A_wrong_digest_or_bad_field_is_refused_by_name_and_leaves_no_model_and_no_file()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var url = _server.Serve("debian.qcow2", _qcow2);
        var wrong = new string('0', 64);

        var mismatch = await Ccm(node, AddDebian("--image-url", url, "--sha256", wrong));
        Assert.Equal((int)ExitCode.Usage, mismatch.Exit);
        Assert.Contains("image_sha256:", mismatch.Err);
        Assert.Contains($"has SHA-256 {ImageServer.Sha256(_qcow2)}, not the {wrong} given", mismatch.Err);
        Assert.Equal((int)ExitCode.NotFound, (await Ccm(node, "model", "show", "debian")).Exit);
        Assert.Empty(StoreFiles(node));

        var malformed = await Ccm(node, AddDebian("--image-url", "cloud.debian.org/debian.qcow2", "--sha256", "abc"));
        Assert.Equal((int)ExitCode.Usage, malformed.Exit);
        Assert.Contains("image_url: 'cloud.debian.org/debian.qcow2' is not an absolute address", malformed.Err);
        Assert.Contains("image_sha256: 'abc' is not 64 hex digits", malformed.Err);

        var undigested = await Ccm(node, AddDebian("--image-url", url));
        Assert.Contains("image_sha256: is required with image_url", undigested.Err);

        var unreachable = await Ccm(node, AddDebian("--image-url", $"http://127.0.0.1:{FreePort.Next()}/debian.qcow2", "--sha256", wrong));
        Assert.Equal((int)ExitCode.Usage, unreachable.Exit);
        Assert.Contains("image_url:", unreachable.Err);
        Assert.Contains("could not be fetched by this node", unreachable.Err);

        Assert.Equal((int)ExitCode.NotFound, (await Ccm(node, "model", "show", "debian")).Exit);
        Assert.Empty(StoreFiles(node));
        Assert.Equal(1, _server.Requests);

        // A name another model holds is refused before anything is fetched for it.
        Assert.Equal(0, (await Ccm(node, "model", "add", "debian", "--os", "debian-12", "--cpu", "1", "--memory", "1024", "--disk", "4",
            "--min-cpu", "1", "--min-memory", "512", "--min-disk", "2", "--image", "hand-made")).Exit);
        var taken = await Ccm(node, AddDebian("--image-url", url, "--sha256", ImageServer.Sha256(_qcow2)));
        Assert.Equal((int)ExitCode.Refused, taken.Exit);
        Assert.Contains("a different model named 'debian'", taken.Err);
        Assert.Empty(StoreFiles(node));
        Assert.Equal(1, _server.Requests);
    }
}
