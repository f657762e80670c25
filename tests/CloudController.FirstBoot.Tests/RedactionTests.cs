namespace CloudController.FirstBoot.Tests;

/// <summary>Sets, bundles and requests end up in logs and exception messages: their text must hold nothing secret.</summary>
public class RedactionTests(GeneratedSets sets) : IClassFixture<GeneratedSets>
{
    [Fact]
    public void No_text_form_holds_a_private_key_a_token_or_pem()
    {
        var agent = GeneratedSets.AgentKey();
        var request = new ActivationRequest(ActivationToken.New(), "web-01", "10.0.0.7", agent.GeneratePublicKey().GetEncoded());
        var bundle = BundleSealer.Seal(sets.First, request, sets.Controller);
        var verified = BundleVerifier.Open(bundle.ToBytes(), sets.Controller.PublicKey, agent, "web-01", "10.0.0.7", DateTimeOffset.UtcNow);
        var refused = BundleVerifier.Open(bundle.ToBytes(), sets.Controller.PublicKey, GeneratedSets.AgentKey(), "web-01", "10.0.0.7", DateTimeOffset.UtcNow);
        Assert.True(verified.Verified);

        string[] texts = [sets.First.ToString(), $"{sets.First}", request.ToString(), bundle.ToString(), verified.ToString(), refused.ToString(),
            verified.Material!.ToString(), sets.Controller.ToString()];
        byte[][] secrets = [sets.First.HostRsaPrivate, sets.First.TlsPrivate, sets.First.LtpaKey, bundle.SealedPrivate, sets.Controller.Export().PrivateKey];
        foreach (var text in texts)
        {
            Assert.DoesNotContain("PRIVATE KEY", text);
            Assert.DoesNotContain("-----BEGIN", text);
            Assert.DoesNotContain(request.Token, text);
            Assert.DoesNotContain("System.Byte[]", text);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(Convert.ToBase64String(secret)[..16], text);
                Assert.DoesNotContain(Convert.ToHexString(secret)[..16], text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
