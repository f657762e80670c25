using CloudController.Domain.Catalog;

namespace CloudController.Domain.Tests.Catalog;

public class ImageCheckTests
{
    private static readonly string Given = new('a', 64);
    private static readonly string Fetched = new('c', 64);
    private static readonly ImageSource Source = new("http://127.0.0.1:8080/debian.qcow2", new ImageDigest("sha256", Given));

    [Fact]
    public void The_digest_given_passes_in_either_case()
    {
        Assert.Null(ImageCheck.Digest(Source, Given));
        Assert.Null(ImageCheck.Digest(Source, Given.ToUpperInvariant()));
    }

    [Fact]
    public void A_mismatch_names_the_field_and_both_digests()
    {
        var error = ImageCheck.Digest(Source, Fetched);

        Assert.NotNull(error);
        Assert.Equal("image_sha256", error.Field);
        Assert.Contains($"SHA-256 {Fetched}", error.Problem);
        Assert.Contains($"not the {Given} given", error.Problem);
        Assert.Contains(Source.Url, error.Problem);
        Assert.Contains("nothing was kept", error.Problem);
    }

    [Fact]
    public void A_sha512_mismatch_names_its_own_field()
    {
        var source = Source with { Digest = new ImageDigest("sha512", new string('a', 128)) };

        Assert.Equal("image_sha512", ImageCheck.Digest(source, new string('d', 128))!.Field);
    }

    [Theory]
    [InlineData("qcow2")]
    [InlineData("raw")]
    public void A_standalone_qcow2_or_raw_image_passes(string format) => Assert.Null(ImageCheck.Content(Source, format, 1L << 30, null, null));

    [Theory]
    [InlineData("vmdk", 512, null, null, "vmdk file, not a qcow2 or raw disk image")]
    [InlineData("raw", 1000, null, null, "1000-byte file, not a qcow2 or raw")]
    [InlineData("raw", 0, null, null, "0-byte file")]
    [InlineData("qcow2", 512, "/etc/shadow", null, "layered over '/etc/shadow'")]
    [InlineData("qcow2", 512, null, "2 errors were found", "damaged qcow2 image (2 errors were found)")]
    public void Anything_else_is_refused_naming_image_url(string format, long size, string? backing, string? check, string problem)
    {
        var error = ImageCheck.Content(Source, format, size, backing, check);

        Assert.NotNull(error);
        Assert.Equal("image_url", error.Field);
        Assert.Contains(problem, error.Problem);
    }

    [Fact]
    public void A_stored_image_with_the_digest_wanted_is_kept_and_not_fetched_again()
    {
        Assert.Null(ImageCheck.Existing("debian-12", Source, [new ImageDigest("sha256", Given), new ImageDigest("sha512", new string('e', 128))]));
    }

    [Fact]
    public void A_stored_image_that_differs_or_was_put_by_hand_is_never_replaced()
    {
        var other = ImageCheck.Existing("debian-12", Source, [new ImageDigest("sha256", Fetched)]);
        var byHand = ImageCheck.Existing("debian-12", Source, []);

        Assert.Equal("disk_image", other!.Field);
        Assert.Contains($"sha256:{Fetched}", other.Problem);
        Assert.Contains($"not sha256:{Given}", other.Problem);
        Assert.Contains("put there by hand", byHand!.Problem);
        Assert.Contains("--image", byHand.Fix);
    }
}
