namespace CloudController.FirstBoot.Tests;

public class ActivationTokenTests
{
    [Fact]
    public void A_token_is_32_random_bytes_in_base64url()
    {
        var token = ActivationToken.New();
        Assert.Equal(43, token.Length);
        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
        Assert.DoesNotContain('=', token);
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(token).Length);
        Assert.NotEqual(token, ActivationToken.New());
    }

    [Fact]
    public void Only_the_hash_is_kept_and_it_matches_only_its_token()
    {
        var token = ActivationToken.New();
        var hash = ActivationToken.Hash(token);
        Assert.Equal(64, hash.Length);
        Assert.Equal(hash, ActivationToken.Hash(token));
        Assert.DoesNotContain(token, hash);

        Assert.True(ActivationToken.Matches(token, hash));
        Assert.True(ActivationToken.Matches(token, hash.ToLowerInvariant()));
        Assert.False(ActivationToken.Matches(ActivationToken.New(), hash));
        Assert.False(ActivationToken.Matches(token, hash[..62]));
        Assert.False(ActivationToken.Matches(token, "not hex"));
    }
}
