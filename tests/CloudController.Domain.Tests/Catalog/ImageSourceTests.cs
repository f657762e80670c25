using CloudController.Domain.Catalog;

namespace CloudController.Domain.Tests.Catalog;

public class ImageSourceTests
{
    private const string Url = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2";
    private static readonly string Sha256 = new('a', 64);
    private static readonly string Sha512 = new('b', 128);

    [Fact]
    public void An_address_with_one_whole_digest_is_a_source_recorded_lower_case()
    {
        var (source, errors) = ImageSource.Parse($" {Url} ", Sha256.ToUpperInvariant(), "");

        Assert.Empty(errors);
        Assert.Equal(new ImageSource(Url, new ImageDigest("sha256", Sha256)), source);
        Assert.Equal($"sha256:{Sha256}", source!.Digest.ToString());
        Assert.Equal(source.Digest, ImageDigest.Parse(source.Digest.ToString()));
    }

    [Fact]
    public void A_sha512_as_publishers_sums_files_give_it_is_taken_too()
    {
        var (source, errors) = ImageSource.Parse(Url, "", Sha512);

        Assert.Empty(errors);
        Assert.Equal(new ImageDigest("sha512", Sha512), source!.Digest);
    }

    [Fact]
    public void No_address_and_no_digest_is_no_source_and_no_error()
    {
        var (source, errors) = ImageSource.Parse("", "", "");

        Assert.Null(source);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("debian-12.qcow2", "is not an absolute address")]
    [InlineData("ftp://example.org/debian.qcow2", "uses 'ftp:'")]
    [InlineData("/srv/images/debian.qcow2", "uses 'file:'")]
    [InlineData("https://user:secret@example.org/debian.qcow2", "carries a user name or password")]
    [InlineData("https://example.org/a b.qcow2", "has spaces")]
    public void A_malformed_address_is_refused_naming_image_url_and_the_fix(string url, string problem)
    {
        var (source, errors) = ImageSource.Parse(url, Sha256, "");

        Assert.Null(source);
        var error = Assert.Single(errors);
        Assert.Equal("image_url", error.Field);
        Assert.Contains(problem, error.Problem);
        Assert.NotEmpty(error.Fix);
    }

    [Theory]
    [InlineData("abc", "image_sha256", "is not 64 hex digits")]
    [InlineData("zz", "image_sha256", "is not 64 hex digits")]
    public void A_sha256_that_is_not_64_hex_digits_is_refused_by_name(string sha256, string field, string problem)
    {
        var (_, errors) = ImageSource.Parse(Url, sha256, "");

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
        Assert.Contains("sha256sum", error.Fix);
    }

    [Fact]
    public void A_sha256_of_the_wrong_length_or_alphabet_is_refused()
    {
        Assert.Single(ImageSource.Parse(Url, new string('a', 63), "").Errors);
        Assert.Single(ImageSource.Parse(Url, new string('a', 65), "").Errors);
        Assert.Single(ImageSource.Parse(Url, new string('g', 64), "").Errors);
        Assert.Equal("image_sha512", Assert.Single(ImageSource.Parse(Url, "", Sha256).Errors).Field);
    }

    [Fact]
    public void An_address_without_a_digest_is_refused_an_image_is_never_taken_unchecked()
    {
        var error = Assert.Single(ImageSource.Parse(Url, "", "").Errors);
        Assert.Equal("image_sha256", error.Field);
        Assert.Contains("--sha256", error.Fix);
    }

    [Fact]
    public void Two_digests_or_a_digest_without_an_address_are_refused()
    {
        Assert.Equal("image_sha512", Assert.Single(ImageSource.Parse(Url, Sha256, Sha512).Errors).Field);
        Assert.Equal("image_url", Assert.Single(ImageSource.Parse("", Sha256, "").Errors).Field);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var (_, errors) = ImageSource.Parse("not a url", "abc", "");

        Assert.Equal(["image_url", "image_sha256"], errors.Select(e => e.Field).ToArray());
    }

    [Theory]
    [InlineData("md5:abc")]
    [InlineData("sha256:abc")]
    [InlineData("sha256")]
    public void A_recorded_digest_that_is_not_whole_does_not_parse(string text) => Assert.Null(ImageDigest.Parse(text));
}
