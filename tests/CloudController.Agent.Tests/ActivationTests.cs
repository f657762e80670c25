using CloudController.Agent.Tests.Appliers;
using CloudController.FirstBoot;

namespace CloudController.Agent.Tests;

/// <summary>One generated set for all: RSA generation takes a fraction of a second.</summary>
public sealed class OneSet
{
    public FirstBootSet Set { get; } = new FirstBootSetGenerator(new FirstBootSetOptions(RsaKeyBits: 2048)).Generate();

    public ControllerAuthority Controller { get; } = ControllerAuthority.Create("test-controller");
}

public class ActivationTests(OneSet one) : IClassFixture<OneSet>
{
    private static readonly string[] DocumentedRefusals = ["2", "3", "4"];

    private Dictionary<string, string> Data(string? key = null) => new()
    {
        ["hostname"] = "web-01", ["ip"] = "10.0.0.7", ["activation.token"] = "token-1",
        ["controller.key"] = key ?? Convert.ToBase64String(one.Controller.PublicKey),
    };

    [Fact]
    public async Task A_good_bundle_installs()
    {
        using var root = new GuestRoot();
        var controller = new ControllerDouble(one.Set, one.Controller);

        Assert.Equal(0, await Activate(controller, Data(), root.Path, TextWriter.Null));
        Assert.True(root.Exists("etc/machine-id"));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not an Ed25519 public key")] // 32 zero bytes
    [InlineData("AAEC", "is 3 bytes")]
    [InlineData("not base64!", "not base64")]
    public async Task A_controller_key_that_cannot_verify_is_refused_and_reported_before_the_token_is_spent(string key, string why)
    {
        using var root = new GuestRoot();
        var controller = new ControllerDouble(one.Set, one.Controller);
        var log = new StringWriter();

        Assert.Equal(2, await Activate(controller, Data(key), root.Path, log));
        Assert.Equal(0, controller.Spent);
        Assert.Contains(why, Assert.Single(controller.Reports));
        Assert.Contains("controller.key", log.ToString());
        Assert.False(root.Exists("etc/machine-id"));
    }

    /// <summary>
    /// Mutated bundles and controller keys, seeded: every run ends with a documented exit code, never an exception,
    /// and a refused bundle installs nothing.
    /// </summary>
    [Fact]
    public async Task Fuzzed_bundles_and_keys_end_with_a_documented_exit_code()
    {
        var random = new Random(16);
        var controller = new ControllerDouble(one.Set, one.Controller);
        var outcomes = new Dictionary<int, int>();
        for (var i = 0; i < 2000; i++)
        {
            using var root = new GuestRoot();
            var key = Convert.ToBase64String(one.Controller.PublicKey);
            if (i % 10 == 0) key = Convert.ToBase64String(Mutation.Of(one.Controller.PublicKey, random));
            controller.Tamper = bytes => Mutation.Of(bytes, random);
            var code = await Activate(controller, Data(key), root.Path, TextWriter.Null);

            Assert.Contains(code.ToString(), DocumentedRefusals);
            Assert.False(root.Exists("etc/machine-id"));
            outcomes[code] = outcomes.GetValueOrDefault(code) + 1;
        }
        Assert.True(outcomes.GetValueOrDefault(4) > 1000, string.Join(", ", outcomes));
    }

    /// <summary>As <c>cc-agent activate</c> ends: data missing a key is exit 2, as the program maps it.</summary>
    private static async Task<int> Activate(ControllerDouble controller, Dictionary<string, string> data, string root, TextWriter log)
    {
        try
        {
            return await new Activation(new V1Client(controller), log).RunAsync(new GuestData(data), root, CancellationToken.None);
        }
        catch (InvalidDataException)
        {
            return 2;
        }
    }
}
