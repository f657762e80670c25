using Akka.Configuration;
using CloudController.Cli;
using CloudController.Node;
using Microsoft.Extensions.Logging;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>gRPC over TLS with a certificate from a private CA, and ccm trusting that CA.</summary>
public sealed class TlsEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A CA, and a certificate it issued for 127.0.0.1 and localhost; PEM files for both.</summary>
    private (string Ca, string Certificate, string Key) IssueCertificates()
    {
        using var authority = new TestCertificates(_dir);
        var (certificate, key) = authority.IssueServer();
        return (authority.AuthorityFile, certificate, key);
    }

    private static async Task<(int Exit, string Out, string Err)> Ccm(params string[] args)
    {
        var console = new TestConsole().Width(200);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: _ => null).RunAsync(args, CancellationToken.None);
        return (exit, console.Output, errors.ToString());
    }

    [Fact]
    public async Task A_node_serves_grpc_over_tls_and_ccm_trusts_it_through_the_ca_it_is_given()
    {
        var (ca, certificate, key) = IssueCertificates();
        await using var node = await ControllerNode.StartAsync(new NodeOptions("embedded", Path.Combine(_dir, "data"), "https://127.0.0.1:0",
            ["cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.health.endpoint=\"\"", $"cloudcontroller.grpc.tls.certificate={certificate}", $"cloudcontroller.grpc.tls.key={key}"]),
            logging: l => l.SetMinimumLevel(LogLevel.Warning));
        Assert.Equal("https", node.Endpoint.Scheme);

        await Eventually.True(async () =>
        {
            var run = await Ccm("--endpoint", node.Endpoint.ToString(), "--ca-file", ca, "hosts", "list");
            return run.Exit == 0 && run.Out.Contains("sim-host-02");
        }, "the hosts over TLS");

        // Not trusting the private CA, ccm refuses the node's certificate.
        var untrusted = await Ccm("--endpoint", node.Endpoint.ToString(), "hosts", "list");
        output.WriteLine(untrusted.Err);
        Assert.Equal((int)ExitCode.Unreachable, untrusted.Exit);
        Assert.Contains("--ca-file", untrusted.Err);

        // Nor does the node speak plain HTTP/2 on that port.
        var plain = await Ccm("--endpoint", new UriBuilder(node.Endpoint) { Scheme = "http" }.Uri.ToString(), "hosts", "list");
        output.WriteLine(plain.Err);
        Assert.Equal((int)ExitCode.Unreachable, plain.Exit);

        var missing = await Ccm("--endpoint", node.Endpoint.ToString(), "--ca-file", Path.Combine(_dir, "nope.crt"), "hosts", "list");
        Assert.Equal((int)ExitCode.Usage, missing.Exit);
        Assert.Contains("--ca-file, CCM_CA_FILE", missing.Err);
    }

    [Theory]
    [InlineData("https://127.0.0.1:5400", "", "", "no certificate is set")]
    [InlineData("http://127.0.0.1:5400", "a.crt", "a.key", "make it https://")]
    [InlineData("https://127.0.0.1:5400", "a.crt", "", "both certificate and key")]
    [InlineData("https://127.0.0.1:5400", "missing.crt", "missing.key", "cannot load")]
    public void A_tls_setting_that_cannot_work_is_refused_with_what_to_fix(string endpoint, string certificate, string key, string message)
    {
        var config = ConfigurationFactory.ParseString($"cloudcontroller.grpc.tls {{ certificate = \"{certificate}\", key = \"{key}\" }}");
        Assert.Contains(message, Assert.Throws<ConfigurationException>(() => GrpcTls.Load(config, new Uri(endpoint))).Message);
    }
}
