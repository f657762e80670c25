using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Tests.Validation;

public class ProvisionRequestValidatorTests
{
    private static readonly ModelVm Ubuntu = new("ubuntu", "ubuntu-24.04", ["nginx"], new Resources(2, 4096, 40),
        new Resources(1, 1024, 10), "ubuntu-24.04-server", DateTimeOffset.UnixEpoch);

    private static ImmutableArray<FieldError> Validate(string hostname, HardwareOverrides? overrides = null, string model = "ubuntu") =>
        ProvisionRequestValidator.Validate(new ProvisionRequest(model, hostname, overrides ?? HardwareOverrides.None),
            model == "ubuntu" ? Ubuntu : null);

    [Theory]
    [InlineData("web-01")]
    [InlineData("WEB-01")]
    [InlineData("web-01.prod.example.com")]
    [InlineData("a")]
    public void A_good_request_passes(string hostname) => Assert.Empty(Validate(hostname));

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_field_and_fix()
    {
        var errors = Validate("Web_01!", new HardwareOverrides(CpuCores: -1, MemoryMib: 512, DiskGib: 10_000_000));

        Assert.Equal(["hostname", "overrides.cpu_cores", "overrides.memory_mib", "overrides.disk_gib"], errors.Select(e => e.Field));
        Assert.Contains("use 'web-01'", errors[0].Fix);
        Assert.Contains("--cpu 2 is the model's default", errors[1].Fix);
        Assert.Equal("512 MiB memory is below model 'ubuntu' minimum of 1024 MiB memory", errors[2].Problem);
        Assert.Equal("--memory 1024 would fit (recommended 4096)", errors[2].Fix);
        Assert.Contains("above the limit", errors[3].Problem);
    }

    [Fact]
    public void A_missing_or_unknown_model_points_at_the_catalog()
    {
        var missing = Validate("web-01", model: "");
        Assert.Equal("model", missing.Single().Field);
        Assert.Contains("ccm models list", missing.Single().Fix);

        var unknown = Validate("web-01", model: "nope");
        Assert.Contains("no model named 'nope'", unknown.Single().Problem);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("-web", "starts or ends with '-'")]
    [InlineData("web..prod", "empty label")]
    [InlineData("wéb", "\\u00e9")]
    [InlineData("web\u0000\u001b[31m", "\\u0000")]
    public void Hostile_or_broken_hostnames_are_refused_and_never_echoed_raw(string hostname, string expected)
    {
        var error = Validate(hostname).Single();
        Assert.Equal("hostname", error.Field);
        Assert.Contains(expected, error.Problem);
        Assert.DoesNotContain(error.ToString(), c => char.IsControl(c));
    }

    [Fact]
    public void Enormous_input_is_reported_briefly()
    {
        var error = Validate(new string('x', 10_000)).Single();
        Assert.True(error.ToString().Length < 400, error.ToString());
        Assert.Contains("at most 253", error.Problem);
        Assert.Equal(63, HostnameRules.Suggest(new string('x', 10_000))!.Length);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(0L)]
    public void Extreme_sizes_are_refused_without_overflow(long memory)
    {
        Assert.Equal("overrides.memory_mib", Validate("web-01", new HardwareOverrides(MemoryMib: memory)).Single().Field);
    }

    [Fact]
    public void A_model_is_checked_field_by_field()
    {
        var bad = Ubuntu with
        {
            Name = "Ubuntu Web",
            Os = "",
            Apps = ["nginx", "NGINX", ""],
            Hardware = new Resources(1, 512, 40),
            Minimum = new Resources(0, 1024, 10),
            DiskImage = "",
        };

        var fields = ProvisionRequestValidator.ValidateModel(bad).Select(e => e.Field).ToList();

        Assert.Equal(["name", "os", "apps", "apps", "minimum.cpu_cores", "hardware.memory_mib", "disk_image"], fields);
        Assert.Empty(ProvisionRequestValidator.ValidateModel(Ubuntu));
    }

    [Theory]
    [InlineData("Web_01!", "web-01")]
    [InlineData("--x--", "x")]
    [InlineData("___", null)]
    [InlineData("Ünïcode Name", "n-code-name")]
    public void Suggestions_are_valid_labels(string input, string? expected)
    {
        var suggestion = HostnameRules.Suggest(input);
        Assert.Equal(expected, suggestion);
        if (suggestion is not null) Assert.Null(HostnameRules.LabelProblem(suggestion));
    }
}
